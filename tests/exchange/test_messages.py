"""originlink.exchange.messages: each message format and version against its golden file, its
published schema (JSON Schema; the official OASIS UBL 2.1 XSD), its signature, and the mapping to
the WCO Data Model.

Golden files hold the message without its signature value (ECDSA signatures differ each time);
rewrite them after a deliberate change with `UPDATE_GOLDEN=1 pytest tests/exchange`."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import jsonschema
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from originlink.exchange import messages as m
from originlink.formats.canonical import digest
from originlink.model import Certificate
from originlink.signing import LocalKeySigner

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden")
UBL_XSD = (
    ROOT / "simulator/originlink_simulator/schemas/ubl-2.1/xsd/maindoc/"
    "UBL-CertificateOfOrigin-2.1.xsd"
)

SIGNER = LocalKeySigner(ec.generate_private_key(ec.SECP256R1()))
JWKS = {"keys": [SIGNER.public_jwk]}


@pytest.fixture(scope="module")
def message() -> m.Message:
    doc = json.loads((ROOT / "examples/certificate.json").read_text(encoding="utf-8"))
    cert = Certificate.model_validate(doc)
    head = m.header(
        id="obx_00000000000000000001",
        function="submit",
        purpose="import",
        sender="OriginLink",
        recipient="VN",
        sent_at="2026-11-29T10:00:00.000000Z",
    )
    attestation = m.Attestation(
        certificate_id="crt_00000000000000000001",
        public_id="AAAAAAAAAAAAAAAAAAAAAA",
        digest=digest(cert),
        jws="eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ.c2lnbmF0dXJl",
    )
    certification = {
        "kind": "endorsed",
        "issuing_body": "CN-GACC",
        "number": "E26-4401-000123",
        "jws": "eyJhbGciOiJFUzI1NiJ9.eyJ5IjoxfQ.ZW5kb3JzZWQ",
        "at": "2026-11-29T09:59:00.000000Z",
    }
    return m.Message(head, attestation, cert.model_dump(mode="json"), certification)


def _golden(name: str, produced: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(produced)
    assert produced == path.read_bytes(), f"{name} changed: a new message version is due"


@pytest.mark.parametrize("version", m.JSON_VERSIONS)
def test_json_message_matches_its_golden_file_schema_and_signature(message, version):
    wire = m.write_json(version, message, SIGNER, "OriginLink")
    body = json.loads(wire)
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    _golden(f"json-{version}.json", json.dumps(unsigned, indent=2, sort_keys=True).encode() + b"\n")
    jsonschema.Draft202012Validator(m.json_schema(version)).validate(body)
    assert m.read_json(wire, JWKS)["header"]["id"] == "obx_00000000000000000001"
    assert ("certification" in body) is (version != "1.0")


@pytest.mark.parametrize("version", m.JSON_VERSIONS)
def test_published_json_schema_is_what_the_models_define(version):
    """The message carries the whole certificate, so a change of the certificate's model
    changes the message's schema too: this test says so, and `UPDATE_GOLDEN=1 pytest
    tests/exchange` writes the schema files and golden files again (review the diff: a
    destination already receiving a version must not be broken by it)."""
    generated = m.generate_json_schema(version)
    path = m.SCHEMAS / f"customs-message-json-{version}.schema.json"
    if os.environ.get("UPDATE_GOLDEN"):
        text = json.dumps(generated, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        path.write_text(text, encoding="utf-8")
        m.json_schema.cache_clear()
    assert m.json_schema(version) == generated, (
        f"the message models changed: regenerate {path.name} (UPDATE_GOLDEN=1 pytest "
        "tests/exchange) or publish a new version"
    )


@pytest.mark.parametrize("version", m.JSON_VERSIONS)
def test_the_json_schema_refuses_what_it_should(message, version):
    """Checked with `jsonschema` (the reference) and `fastjsonschema` (what the simulator
    compiles the schema with): they agree."""
    import fastjsonschema

    body = json.loads(m.write_json(version, message, SIGNER, "OriginLink"))
    validator = jsonschema.Draft202012Validator(m.json_schema(version))
    compiled = fastjsonschema.compile(m.json_schema(version))
    compiled(body)  # the valid message passes both
    for path, value in [
        (("header", "unknown"), "x"),  # no field beyond the schema
        (("header", "function"), "delete"),
        (("header", "recipient"), "vn"),
        (("attestation", "digest"), "md5:00"),
        (("certificate", "goods_items"), []),
        (("version",), "9.9"),
    ]:
        bad = copy.deepcopy(body)
        node = bad
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        assert not validator.is_valid(bad), path
        with pytest.raises(fastjsonschema.JsonSchemaValueException):
            compiled(bad)


@pytest.mark.parametrize(
    "edit",
    [
        lambda b: b["header"].update(recipient="TH"),
        lambda b: b["certificate"]["goods_items"][0].update(hs_code="010121"),
        lambda b: b["attestation"].update(digest="sha256:" + "0" * 64),
        lambda b: b.update(version="1.1" if b["version"] == "1.0" else "1.0"),
    ],
)
def test_any_edit_of_a_json_message_breaks_its_signature(message, edit):
    body = json.loads(m.write_json("1.0", message, SIGNER, "OriginLink"))
    edit(body)
    with pytest.raises(m.MessageError, match="digest differs"):
        m.read_json(rfc8785.dumps(body), JWKS)


def test_a_message_signed_by_another_key_is_refused(message):
    other = LocalKeySigner(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(m.MessageError, match="unknown key"):
        m.read_json(m.write_json("1.1", message, other, "OriginLink"), JWKS)


def _without_signature_value(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    *_, signature_extension = root.find(f"{{{m.ubl.NS_EXT}}}UBLExtensions")
    [jws] = signature_extension.iter(f"{{{m.ubl.NS_OL}}}JWS")
    jws.text = "SIGNATURE"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_ubl_message_matches_its_golden_file_the_oasis_schema_and_its_signature(message):
    xml = m.write_ubl(message, SIGNER, "OriginLink")
    _golden("ubl-2.1.xml", _without_signature_value(xml))
    schema = etree.XMLSchema(etree.parse(str(UBL_XSD)))
    read = m.read_ubl(xml, JWKS)
    assert schema.validate(read.document), schema.error_log
    assert read.header["id"] == message.header.id and read.header["function_code"] == "9"
    assert read.attestation == message.attestation.model_dump()
    assert read.certification == message.certification
    assert digest(read.certificate) == message.attestation.digest  # nothing lost


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<ol:Recipient>VN</ol:Recipient>", b"<ol:Recipient>TH</ol:Recipient>"),
        (b"940360", b"940361"),
        (b"<ol:Function>submit</ol:Function>", b"<ol:Function>cancel</ol:Function>"),
    ],
)
def test_any_edit_of_a_ubl_message_breaks_its_signature(message, old, new):
    xml = m.write_ubl(message, SIGNER, "OriginLink")
    assert old in xml
    with pytest.raises(m.MessageError, match="digest differs"):
        m.read_ubl(xml.replace(old, new, 1), JWKS)


def test_ubl_reading_refuses_entities_and_unsigned_documents(message):
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(m.MessageError, match="XML"):
        m.read_ubl(bomb, JWKS)
    plain = m.ubl.to_ubl_xml(Certificate.model_validate(message.certificate))
    with pytest.raises(m.MessageError, match="not a signed customs message"):
        m.read_ubl(plain, JWKS)


def test_every_wco_mapping_names_a_field_of_the_message():
    for version in m.JSON_VERSIONS:
        schema = m.json_schema(version)
        for row in m.WCO_MAPPING:
            node = m._schema_node(schema, row.json_path)
            assert node is not None and node["x-wco-id"] == row.wco_id, row.json_path
    assert {row.source for row in m.WCO_MAPPING} <= {
        m.UBL_ANNOTATIONS,
        m.ICS2_HTI,
        m.WCO_DATA_SET,
    }


def test_ubl_ids_in_the_mapping_are_those_the_oasis_schema_annotates():
    """The ids taken from UBL 2.1 are read back from the official schema's annotations."""
    annotations = " ".join(
        el.text or ""
        for xsd in (UBL_XSD.parent.parent / "common").glob("UBL-CommonAggregateComponents-2.1.xsd")
        for el in etree.parse(str(xsd)).iter()
        if isinstance(el.tag, str) and el.tag.endswith("AlternativeBusinessTerms")
    )
    for row in m.WCO_MAPPING:
        if row.source == m.UBL_ANNOTATIONS:
            first = row.wco_id.split(",")[0].strip()
            assert f"WCO ID {first}" in annotations, row


def test_the_documented_mapping_is_the_one_in_the_code():
    text = (ROOT / "docs" / "customs-messages.md").read_text(encoding="utf-8")
    for row in m.WCO_MAPPING:
        cells = [f"`{row.json_path}`", f"`{row.ubl_path}`", row.wco_id, row.wco_name, row.source]
        line = "| " + " | ".join(cells) + " |"
        assert line in text, line
