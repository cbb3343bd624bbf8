"""Short codes with a check character, verification URLs and the QR code."""

from __future__ import annotations

import base64
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from originlink.links import (
    InvalidCode,
    check_character,
    has_valid_check,
    public_id,
    qr_payload_segments,
    resolve,
    short_code,
    short_code_with_check,
    verification_url,
)
from originlink.links.codes import CROCKFORD, ISO7064_ALPHABET
from originlink.links.qr import ALPHANUMERIC_CHARS, build_qr


def new_id() -> str:
    return secrets.token_urlsafe(16)  # what the service stores


ids = st.binary(min_size=16, max_size=16).map(
    lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
)


@settings(max_examples=200, deadline=None)
@given(ids)
def test_round_trip_and_shape(pid):
    code = short_code_with_check(pid)
    assert len(code) == 27
    assert all(c in CROCKFORD for c in code[:26]) and code[26] in ISO7064_ALPHABET
    assert public_id(code) == pid
    assert public_id(code.lower()) == pid  # people type lowercase
    assert resolve(pid) == pid and resolve(code) == pid


def test_iso7064_reference_value():
    # ISO 7064 MOD 37-2 worked example (also python-stdnum's doctest).
    assert check_character("G123498654321") == "H"
    assert has_valid_check("G123498654321H")
    assert not has_valid_check("G123498654321J")


def test_every_single_substitution_is_caught():
    code = short_code_with_check(new_id())
    for pos in range(len(code)):
        for ch in CROCKFORD:
            if ch == code[pos]:
                continue
            typo = code[:pos] + ch + code[pos + 1 :]
            with pytest.raises(InvalidCode) as err:
                public_id(typo)
            assert err.value.reason in {"bad_check_character", "malformed"}


def test_every_adjacent_swap_is_caught():
    for _ in range(300):
        code = short_code_with_check(new_id())
        for pos in range(len(code) - 1):
            if code[pos] == code[pos + 1]:
                continue
            swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
            with pytest.raises(InvalidCode):
                public_id(swapped)


def test_typing_forgiveness_for_case_spaces_and_grouping():
    pid = new_id()
    code = short_code_with_check(pid)
    grouped = "-".join(code[i : i + 4] for i in range(0, 27, 4)).lower()
    assert public_id(grouped) == pid
    assert public_id(" ".join([code[:13], code[13:]])) == pid


def test_swap_with_a_non_crockford_check_character_is_caught():
    # Found by the swap test: check character "O" swapped into the body used to be read as
    # "0" (Crockford's look-alike rule) and could pass. Body characters are now strict.
    for _ in range(2000):
        code = short_code_with_check(new_id())
        if code[26] in "ILOU*":
            swapped = code[:25] + code[26] + code[25]
            with pytest.raises(InvalidCode):
                public_id(swapped)


@pytest.mark.parametrize(
    "text", ["", "abc", "x" * 27, "U" * 27, "Z" * 26 + "0", "!" * 22, "toolong" * 10]
)
def test_malformed_is_refused(text):
    with pytest.raises(InvalidCode):
        resolve(text)


def test_url_is_uppercase_alphanumeric_without_code():
    pid = new_id()
    url = verification_url("https://verify.originlink.example", pid)
    assert url == "HTTPS://VERIFY.ORIGINLINK.EXAMPLE/V/" + short_code_with_check(pid)
    assert set(url) <= ALPHANUMERIC_CHARS
    assert qr_payload_segments(url) == [("alphanumeric", url)]


def test_url_carries_access_code_in_fragment_only():
    pid = new_id()
    url = verification_url("https://verify.originlink.example/", pid, "abcd efgh-jk2")
    base, _, fragment = url.partition("#")
    assert fragment == "ABCDEFGHJK2" and "?" not in url
    assert qr_payload_segments(url) == [
        ("alphanumeric", base),
        ("byte", "#"),
        ("alphanumeric", "ABCDEFGHJK2"),
    ]


def test_url_keeps_path_prefix_case_and_rejects_bad_bases():
    url = verification_url("https://api.example.com/Prod", new_id())
    assert url.startswith("HTTPS://API.EXAMPLE.COM/Prod/V/")
    for bad in ["verify.example.com", "ftp://x", "https://x/?a=1", "https://x/#f"]:
        with pytest.raises(ValueError):
            verification_url(bad, new_id())


def test_short_code_is_deterministic_for_the_odoo_addon():
    # The addon calls the same function: same input, same link, byte for byte.
    pid = "AAECAwQFBgcICQoLDA0ODw"
    assert short_code(pid) == "00041061050R3GG28A1C60T3GF"
    assert verification_url("https://v.example", pid, "ABCDEFGHJK2") == (
        "HTTPS://V.EXAMPLE/V/00041061050R3GG28A1C60T3GF8#ABCDEFGHJK2"
    )


def test_qr_uses_alphanumeric_mode_and_stays_small():
    from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM

    url = verification_url("https://verify.originlink.example", new_id())
    qr = build_qr(url)
    assert [d.mode for d in qr.data_list] == [MODE_ALPHA_NUM]
    assert qr.version <= 4  # 33x33 modules at error correction M
    with_code = build_qr(url + "#ABCDEFGHJK2")
    assert [d.mode for d in with_code.data_list] == [MODE_ALPHA_NUM, MODE_8BIT_BYTE, MODE_ALPHA_NUM]
    assert with_code.version <= 4
    # The same URL in byte mode (what a generic encoder would pick for a mixed-case URL)
    # needs a larger symbol.
    import qrcode

    plain = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    plain.add_data(url.lower(), optimize=0)
    plain.make(fit=True)
    assert plain.version > qr.version


def test_doctests():
    import doctest

    import originlink.credentials.did
    import originlink.links.codes
    import originlink.links.urls

    for module in (originlink.links.codes, originlink.links.urls, originlink.credentials.did):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


@settings(max_examples=15, deadline=None)
@given(ids, st.booleans())
def test_qr_svg_decodes_to_the_link(pid, with_code):
    from originlink.links import qr_svg

    from .qr_reader import read_svg

    code = "ABCDEFGHJK2" if with_code else None
    url = verification_url("https://verify.originlink.example", pid, code)
    segments = read_svg(qr_svg(url))
    assert "".join(text for _, text in segments) == url
    assert segments == qr_payload_segments(url)  # alphanumeric, except the lone "#"


def test_public_origin_is_an_origin_only():
    from originlink.links import public_origin

    assert public_origin("HTTPS://Verify.Example.com/") == "https://verify.example.com"
    assert public_origin("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    # A stage prefix would break printed links and enlarge the QR; anything else is no origin.
    for bad in [
        "https://x.example/api",
        "ftp://x.example",
        "x.example",
        "https://x.example/?a",
        "https://u@x.example",
        "https://x.example:99999",
        "",
    ]:
        with pytest.raises(ValueError):
            public_origin(bad)


def test_settings_refuse_a_bad_public_url_or_environment():
    from originlink_service.settings import Settings

    with pytest.raises(ValueError, match="without a path"):
        Settings.from_env({"ORIGINLINK_PUBLIC_URL": "https://verify.example.com/api"})
    with pytest.raises(ValueError, match="https"):
        Settings.from_env(
            {"ORIGINLINK_PUBLIC_URL": "http://v.example", "ORIGINLINK_ENVIRONMENT": "production"}
        )
    with pytest.raises(ValueError, match="ORIGINLINK_ENVIRONMENT"):
        Settings.from_env({"ORIGINLINK_ENVIRONMENT": "prod"})
    s = Settings.from_env({"ORIGINLINK_PUBLIC_URL": "https://Verify.Example.com/"})
    assert (s.origin, s.host, s.production) == (
        "https://verify.example.com",
        "verify.example.com",
        False,
    )


@pytest.mark.parametrize(
    "host, ok",
    [
        (None, True),
        ("verify.example.com", True),
        ("VERIFY.EXAMPLE.COM:443", True),
        ("verify.example.com:8443", False),
        ("evil.example", False),
        ("verify.example.com.evil.example", False),
        ("verify.example.com/x", False),
    ],
)
def test_host_is_only_checked_against_the_origin(host, ok):
    from originlink_service.http import host_is_ours

    assert host_is_ours(host, "verify.example.com", "https") is ok


def test_loopback_names_are_one_host():
    from originlink_service.http import host_is_ours

    assert host_is_ours("localhost:8000", "127.0.0.1:8000", "http")
    assert host_is_ours("[::1]:8000", "127.0.0.1:8000", "http")
    assert not host_is_ours("localhost:8001", "127.0.0.1:8000", "http")


def test_every_public_path_comes_from_one_module():
    """The paths are built in `originlink.links.urls`; nothing else spells them out."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(
        r"""f["'](/v1/verify/|/v/|/V/|/v1/qr/|/v1/badge/|/v1/origin-statements/)"""
    )
    offenders = [
        str(path.relative_to(root))
        for base in ("originlink", "lambda_api/originlink_service")
        for path in (root / base).rglob("*.py")
        if path.name != "urls.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_print_link_carries_what_to_print():
    from originlink.links import print_link

    pid = new_id()
    link = print_link("https://verify.example.com", pid, "abcd-efgh-jk2")
    assert link["url"] == verification_url("https://verify.example.com", pid, "ABCDEFGHJK2")
    assert link["url_public"] == link["url"].split("#")[0]
    assert link["short_code"].replace("-", "") == short_code_with_check(pid)
    assert link["access_code"] == "ABCD-EFGH-JK2"
    assert link["lookup"] == "https://verify.example.com/v" and link["sandbox"] is False
