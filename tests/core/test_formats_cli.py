"""Canonical JSON and digest; the `schema`, `validate`, `convert` and `digest` commands."""

import json
import re

import pytest

from originlink.cli import main
from originlink.formats.canonical import canonical_bytes, digest
from originlink.model import CertificateInvalid, parse_certificate

from .conftest import EXAMPLES

# Golden value: changes only if examples/certificate.json or the canonical form changes.
EXAMPLE_DIGEST = "sha256:1d7bffc8b4b8c1b3448b201f14f1d3a6ad6b39dc5b3bc9ea96a00d5da0505814"


def test_canonical_is_rfc8785(co):
    co["exporter"]["name"] = "广州珠江家具 Ltd"
    raw = canonical_bytes(co)
    text = raw.decode("utf-8")
    assert text.startswith('{"agreement":"RCEP","approved_exporter_code":null,')
    # sorted keys, no insignificant whitespace (our keys are ASCII, values strings/ints/null)
    compact = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert text == compact
    assert "广州珠江家具" in text  # UTF-8, not \\u escapes
    assert '"amount":"4000.00"' in text  # decimals as strings, never JSON numbers
    assert json.loads(raw) == parse_certificate(co).model_dump(mode="json")


def test_digest_golden(co):
    assert digest(co) == EXAMPLE_DIGEST
    assert digest(parse_certificate(co)) == EXAMPLE_DIGEST


def test_digest_independent_of_key_order_and_formatting(co):
    reordered = dict(reversed(list(co.items())))
    assert digest(reordered) == digest(co)
    assert digest(parse_certificate(json.dumps(co, indent=4))) == digest(co)


def test_digest_changes_with_content(co):
    before = digest(co)
    co["goods_items"][0]["quantity"]["value"] = "41"
    assert digest(co) != before


def test_canonical_rejects_invalid_dict(co):
    co["unknown"] = 1
    with pytest.raises(CertificateInvalid):
        canonical_bytes(co)


def test_schema_command(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["additionalProperties"] is False
    assert {"number", "issue_date", "goods_items", "exporter"} <= set(schema["required"])
    goods = schema["$defs"]["GoodsItem"]["properties"]
    # what is accepted: six digits, dots and spaces anywhere (Issue 14.9) ...
    accepted = goods["hs_code"]
    assert re.match(accepted["pattern"], "9403 60") and "dots" in accepted["description"]
    assert not re.match(accepted["pattern"], "9403.6")
    assert "evidence" in goods
    # ... and what is written: six digits
    assert main(["schema", "--mode", "serialization"]) == 0
    written = json.loads(capsys.readouterr().out)["$defs"]["GoodsItem"]["properties"]
    assert written["hs_code"]["pattern"] == "^[0-9]{6}$"


def test_validate_command(capsys, tmp_path):
    assert main(["validate", str(EXAMPLES / "certificate.json"), "--today", "2026-11-25"]) == 0
    assert "valid" in capsys.readouterr().out
    data = json.loads((EXAMPLES / "certificate.json").read_text())
    data["goods_items"][0]["fob_value"] = None
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert main(["validate", str(bad)]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert json.loads(line)["code"] == "fob_required_for_rvc"
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{nope")
    assert main(["validate", str(garbage)]) == 2
    assert main(["validate", str(tmp_path / "missing.json")]) == 2


def test_convert_and_digest_commands(capsys, tmp_path):
    src = str(EXAMPLES / "certificate.json")
    assert main(["convert", src, "--to", "xml"]) == 0
    xml = capsys.readouterr().out
    assert "<cbc:ID>R2026-440100-000123</cbc:ID>" in xml
    xml_file = tmp_path / "c.xml"
    xml_file.write_text(xml, encoding="utf-8")
    assert main(["digest", str(xml_file)]) == 0
    assert capsys.readouterr().out.strip() == EXAMPLE_DIGEST
    assert main(["convert", str(xml_file), "--to", "canonical"]) == 0
    assert capsys.readouterr().out.strip().encode() == canonical_bytes(
        json.loads((EXAMPLES / "certificate.json").read_text())
    )
    hostile = tmp_path / "bomb.xml"
    hostile.write_bytes(b'<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>')
    assert main(["validate", str(hostile)]) == 2
    assert json.loads(capsys.readouterr().err)["code"] == "xml_forbidden"


@pytest.mark.parametrize("command", ["validate", "convert", "digest", "classify"])
def test_document_commands_refuse_garbage_with_exit_2(command, tmp_path, capsys):
    cases = {
        b"": "bad_json",
        b"[1, 2]": "bad_type",
        b'"a string"': "bad_type",
        b"[" * 100_000 + b"]" * 100_000: "bad_json",
        b"\x00\xffbinary\x01": "bad_json",
        b'{"number": "A", "number": "B"}': "duplicate_key",
        json.dumps({"x": "a" * 3_000_000}).encode(): "too_large",
        b'<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>': "xml_forbidden",
    }
    src = tmp_path / "in"
    for raw, code in cases.items():
        src.write_bytes(raw)
        assert main([command, str(src)]) == 2, raw[:40]
        [line] = capsys.readouterr().err.splitlines()
        problem = json.loads(line)
        assert problem["code"] == code and problem["path"] == "" and problem["article"]


def test_exported_schema_accepts_the_examples_and_names_what_it_refuses(capsys):
    from jsonschema import Draft202012Validator

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    for path in sorted(EXAMPLES.glob("certificate*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert list(validator.iter_errors(doc)) == [], path.name
    doc["goods_items"][0]["hs_code"] = "94036"
    doc["surprise"] = 1
    where = {tuple(e.absolute_path) for e in validator.iter_errors(doc)}
    assert where == {("goods_items", 0, "hs_code"), ()}


def test_validate_checks_dates_against_today_by_default(capsys, tmp_path):
    """Issue 14.6: like the service, without --today the date rules use today's date."""
    data = json.loads((EXAMPLES / "certificate.json").read_text())
    data["issue_date"] = data["certification"]["date"] = "2024-01-10"
    data["exporter_declaration"]["date"] = "2024-01-10"
    data["transport"]["departure_date"] = "2024-01-12"
    data["invoices"][0]["date"] = "2024-01-08"
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    assert main(["validate", str(old), "--today", "2024-06-01"]) == 0
    capsys.readouterr()
    assert main(["validate", str(old)]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert json.loads(line)["code"] == "expired"
    assert main(["validate", str(old), "--today", "31/12/2026"]) == 2
    assert json.loads(capsys.readouterr().err)["error"] == "usage"
