"""originlink.exchange.signature: HMAC-SHA256 over timestamp + body, checked like any receiver
would (here also against OpenSSL, an independent implementation)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from originlink.exchange.signature import (
    MESSAGE_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
    signed_headers,
    verify,
)

SECRET = "a-shared-secret-of-at-least-32-chars"
BODY = b'{"message_id":"msg_1","type":"accepted"}'
NOW = 1_764_410_400


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_the_signature_is_plain_hmac_sha256_of_timestamp_dot_body():
    expected = (
        subprocess.run(
            ["openssl", "dgst", "-sha256", "-hmac", SECRET],
            input=f"{NOW}.".encode() + BODY,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("= ")[-1]
        .strip()
    )
    assert signature(SECRET, NOW, BODY) == "sha256=" + expected


def test_signed_headers_verify_and_name_the_message():
    headers = signed_headers(SECRET, BODY, message_id="msg_1", now=NOW)
    assert headers[TIMESTAMP_HEADER] == str(NOW) and headers[MESSAGE_ID_HEADER] == "msg_1"
    check = verify(SECRET, headers, BODY, now=NOW + 299)
    assert (check.ok, check.code, check.timestamp) == (True, "ok", NOW)
    lower = {k.lower(): v for k, v in headers.items()}  # what WSGI/Chalice hand over
    assert verify(SECRET, lower, BODY, now=NOW).ok


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"body": BODY + b" "}, "bad_signature"),
        ({"secret": SECRET + "x"}, "bad_signature"),
        ({"now": NOW + 301}, "stale"),
        ({"now": NOW - 301}, "stale"),  # from the future, beyond the same tolerance
        ({"drop": SIGNATURE_HEADER}, "missing_signature"),
        ({"drop": TIMESTAMP_HEADER}, "missing_signature"),
        ({"timestamp": "12.5"}, "bad_timestamp"),
        ({"timestamp": "９９"}, "bad_timestamp"),  # non-ASCII digits
        ({"signature": "sha1=abc"}, "bad_signature"),
    ],
)
def test_anything_else_is_refused_with_its_reason(change, code):
    headers = signed_headers(SECRET, BODY, message_id="msg_1", now=NOW)
    if "drop" in change:
        del headers[change["drop"]]
    if "timestamp" in change:
        headers[TIMESTAMP_HEADER] = change["timestamp"]
    if "signature" in change:
        headers[SIGNATURE_HEADER] = change["signature"]
    check = verify(
        change.get("secret", SECRET), headers, change.get("body", BODY), now=change.get("now", NOW)
    )
    assert (check.ok, check.code) == (False, code)


def test_rotation_both_ways():
    """The receiver may hold the old and the new secret; the sender may sign with both."""
    new = "another-shared-secret-32-chars-long!"
    headers = signed_headers(new, BODY, message_id="m", now=NOW)
    assert verify([SECRET, new], headers, BODY, now=NOW).ok
    both = f"{signature(SECRET, NOW, BODY)}, {headers[SIGNATURE_HEADER]}"
    assert verify(new, {**headers, SIGNATURE_HEADER: both}, BODY, now=NOW).ok
