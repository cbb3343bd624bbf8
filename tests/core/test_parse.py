"""Malformed and hostile JSON input: structured problems, never a traceback."""

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from originlink.model import CertificateInvalid, check_certificate, parse_certificate
from originlink.model.validation import MAX_INPUT_BYTES

from .conftest import load_example


def _codes(data):
    cert, problems = check_certificate(data)
    assert cert is None
    for p in problems:
        assert p.message and p.article and p.code
    return {(p.path, p.code) for p in problems}


def test_parse_accepts_dict_str_bytes(co):
    text = json.dumps(co)
    a, b, c = parse_certificate(co), parse_certificate(text), parse_certificate(text.encode())
    assert a == b == c
    assert str(a.goods_items[0].fob_value.amount) == "4000.00"


def test_parse_raises_with_problems(co):
    del co["number"]
    with pytest.raises(CertificateInvalid) as info:
        parse_certificate(co)
    [p] = info.value.problems
    assert (p.path, p.code) == ("number", "required")
    assert "Certificate No." in p.article


def test_wrong_types_all_reported(co):
    co["issue_date"] = "20/11/2026"
    co["goods_items"][0]["item_number"] = "first"
    co["goods_items"][1]["quantity"]["value"] = "a lot"
    co["issued_retroactively"] = "maybe"
    co["exporter"] = "ACME"
    found = _codes(co)
    assert {
        ("issue_date", "bad_date"),
        ("goods_items[0].item_number", "bad_integer"),
        ("goods_items[1].quantity.value", "bad_decimal"),
        ("issued_retroactively", "bad_type"),
        ("exporter", "bad_type"),
    } <= found


def test_unknown_fields(co):
    co["price_list"] = "secret"
    co["goods_items"][0]["colour"] = "red"
    assert {("price_list", "unknown_field"), ("goods_items[0].colour", "unknown_field")} <= _codes(
        co
    )


def test_huge_strings(co):
    co["goods_items"][0]["description"] = "x" * 1_000_000
    co["remarks"] = "y" * 2001
    assert {("goods_items[0].description", "too_long"), ("remarks", "too_long")} <= _codes(co)


def test_control_characters_rejected(co):
    co["exporter"]["name"] = "ACME\x00Ltd"
    assert ("exporter.name", "invalid_value") in _codes(co)


def test_line_breaks_normalised(co):
    co["remarks"] = "line one\r\nline two\rthree"
    assert parse_certificate(co).remarks == "line one\nline two\nthree"


def test_float_amounts_rejected(co):
    co["goods_items"][0]["fob_value"]["amount"] = 4000.1
    assert ("goods_items[0].fob_value.amount", "invalid_value") in _codes(co)


def test_json_text_is_read_as_the_service_reads_it(co):
    """Issue 14.6: one verdict everywhere. A JSON number with a fraction is a binary float to
    the service, which refuses it for amounts; the core reads JSON text the same way."""
    text = json.dumps(co).replace('"amount": "4000.00"', '"amount": 4000.10')
    with pytest.raises(CertificateInvalid) as caught:
        parse_certificate(text)
    [problem] = caught.value.problems
    assert (problem.path, problem.code) == ("goods_items[0].fob_value.amount", "invalid_value")
    assert "not a binary float" in problem.message
    # whole numbers are exact: accepted, as by the service
    cert = parse_certificate(json.dumps(co).replace('"amount": "4000.00"', '"amount": 4000'))
    assert str(cert.goods_items[0].fob_value.amount) == "4000"


@pytest.mark.parametrize(
    "number, code",
    [("9007199254740993", "unsupported_json"), ("NaN", "bad_json"), ("-Infinity", "bad_json")],
)
def test_json_that_is_not_i_json_is_refused_as_by_the_service(co, number, code):
    text = json.dumps(co).replace('"amount": "4000.00"', f'"amount": {number}')
    with pytest.raises(CertificateInvalid) as caught:
        parse_certificate(text)
    assert [p.code for p in caught.value.problems] == [code]


def test_negative_and_nan_amounts(co):
    co["goods_items"][0]["fob_value"]["amount"] = "-1"
    co["goods_items"][1]["quantity"]["value"] = "NaN"
    found = _codes(co)
    assert ("goods_items[0].fob_value.amount", "out_of_range") in found
    assert any(path == "goods_items[1].quantity.value" for path, _ in found)


def test_bad_enums(co):
    co["goods_items"][0]["hs_edition"] = "HS2007"
    co["producer"]["kind"] = "UNKNOWN"
    co["goods_items"][0]["country_of_origin_marker"] = "***"
    co["document_type"] = "invoice"
    found = _codes(co)
    for path in [
        "goods_items[0].hs_edition",
        "producer.kind",
        "goods_items[0].country_of_origin_marker",
        "document_type",
    ]:
        assert (path, "not_allowed_value") in found


def test_bad_country_codes(co):
    co["exporting_party"] = "china"
    assert ("exporting_party", "bad_format") in _codes(co)


def test_no_goods_items(co):
    co["goods_items"] = []
    assert ("goods_items", "too_few") in _codes(co)


@pytest.mark.parametrize(
    "raw, code",
    [
        ("{not json", "bad_json"),
        ("[1, 2, 3]", "bad_type"),
        ('"a string"', "bad_type"),
        ("[" * 100_000 + "]" * 100_000, "bad_json"),
        (b"\xff\xfe\x00garbage", "bad_json"),
    ],
)
def test_unreadable_json(raw, code):
    cert, problems = check_certificate(raw)
    assert cert is None
    assert [p.code for p in problems] == [code]


def test_too_large_input():
    cert, problems = check_certificate(b" " * (MAX_INPUT_BYTES + 1))
    assert cert is None and problems[0].code == "too_large"


def test_too_many_goods_items(co):
    item = co["goods_items"][1]
    co["goods_items"] = [dict(item, item_number=(i % 500) + 1) for i in range(501)]
    assert ("goods_items", "too_many") in _codes(co)


def test_public_view_hides_private_fields(co):
    view = parse_certificate(co).public_view()
    text = json.dumps(view)
    assert view["number"] == co["number"]
    assert view["issuer"]["name"].startswith("General Administration")
    assert view["valid_until"] == "2026-11-20".replace("2026", "2027")
    assert [g["hs_code"] for g in view["goods_items"]] == ["940360", "950300"]
    assert [g["origin_criterion"] for g in view["goods_items"]] == ["RVC", "CTC"]
    for secret in ["4000.00", "evidence", "SUPDECL", "fob", "Nguyen Hue", "Saigon Home", "1280.5"]:
        assert secret not in text


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.just("2026-02-30"),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _leaf_paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaf_paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaf_paths(v, prefix + (i,))
    yield prefix


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_any_mutation_gives_problems_not_exceptions(data):
    doc = load_example("certificate.json")
    paths = [p for p in _leaf_paths(doc) if p]
    path = data.draw(st.sampled_from(paths))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(json_values)
    cert, found = check_certificate(doc, today=date(2026, 11, 25))
    assert (cert is None) == bool(found) or cert is not None
    for p in found:
        assert p.code and p.message and p.article


def test_decimals_written_in_plain_notation(co):
    co["goods_items"][0]["quantity"]["value"] = "1E+3"
    co["goods_items"][0]["fob_value"]["amount"] = "-0.00"
    co["goods_items"][0]["evidence"]["rvc"]["percentage"] = "0.00000001"
    co["goods_items"][0]["evidence"]["rvc"]["fob"] = None
    dumped = parse_certificate(co).model_dump(mode="json")
    item = dumped["goods_items"][0]
    assert item["quantity"]["value"] == "1000"
    assert item["fob_value"]["amount"] == "0.00"
    assert item["evidence"]["rvc"]["percentage"] == "0.00000001"


def test_duplicate_json_keys_refused(co):
    text = json.dumps(co).replace('"number": "R2026', '"number": "X", "number": "R2026', 1)
    cert, problems = check_certificate(text)
    assert cert is None
    assert [(p.code, p.path) for p in problems] == [("duplicate_key", "")]
    assert "number" in problems[0].message
