"""The forgery suite (issue 10): whatever a person or machine downloads — public view,
access-code view, owner's full view, the JSON answers, the credentials — editing any shown
field makes `originlink verify` say NOT VERIFIED (exit 1); views swapped, labels flipped and a
status attestation passed off as a document are caught; and an independent verifier (the IETF
reference implementation `sd-jwt`, and `joserfc`) reads the same signatures the same way.
"""

from __future__ import annotations

import base64
import copy
import json

import pytest

from originlink.cli import main
from originlink.credentials import sdjwt, verify_file

VIEWS = {
    "public": lambda fleet, cert: {},
    "code": lambda fleet, cert: {"X-Access-Code": fleet.access_code(cert)},
    "full": lambda fleet, cert: fleet.auth(),
}


def get(client, path, headers=None):
    r = client.http.get(path, headers=headers or {})
    assert r.status_code == 200, (path, r.body)
    return r.body.decode()


@pytest.fixture
def world(client, fleet, tmp_path):
    cert = fleet.issue()
    jwks = json.loads(get(client, "/.well-known/jwks.json"))
    link = json.loads(get(client, f"/v1/verify/{cert['public_id']}"))["links"]["document"]
    docs, answers = {}, {}
    for view, headers in VIEWS.items():
        docs[view] = json.loads(get(client, link, headers(fleet, cert)))
        answers[view] = json.loads(
            get(client, f"/v1/verify/{cert['public_id']}", headers(fleet, cert))
        )
    return cert, jwks, docs, answers


def verdict(tmp_path, content, jwks) -> int:
    path, keys = tmp_path / "file", tmp_path / "jwks.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    keys.write_text(json.dumps(jwks))
    return main(["verify", str(path), "--jwks", str(keys)])


def leaves(value, path=()):
    """(path, value) of every scalar shown in `value`."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, path + (i,))
    else:
        yield path, value


def edited(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "X" if value else "X"
    return "X"  # None


def set_at(data, path, value):
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


# --- the views verify as they are ---------------------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_verifies_on_its_own(world, tmp_path, capsys, view):
    _, jwks, docs, answers = world
    assert verdict(tmp_path, docs[view], jwks) == 0
    assert verdict(tmp_path, docs[view]["sd_jwt"], jwks) == 0
    assert verdict(tmp_path, answers[view], jwks) == 0
    report = verify_file(json.dumps(docs[view]), jwks)
    assert report.view == view  # worked out from what is signed, not from the label
    shown = {g["group"] for g in report.coverage if g["covered"]}
    assert ("importer" in shown) == (view != "public")
    assert ("origin_evidence" in shown) == (view == "full")
    capsys.readouterr()


# --- every shown field, edited one at a time ----------------------------------------------


@pytest.mark.parametrize("view", VIEWS)
def test_every_shown_field_edited_fails(world, tmp_path, capsys, view):
    _, jwks, docs, answers = world
    doc = docs[view]
    shown = [p for p in leaves(doc) if p[0][0] not in {"sd_jwt", *sdjwt_labels()}]
    assert len(shown) > 20
    for path, value in shown:
        assert verdict(tmp_path, set_at(doc, path, edited(value)), jwks) == 1, path
    answer = answers[view]
    for path, value in leaves(answer):
        if path[0] in {"sd_jwt", "status_attestation"}:
            continue
        assert verdict(tmp_path, set_at(answer, path, edited(value)), jwks) == 1, path
    capsys.readouterr()


def sdjwt_labels():
    from originlink.credentials.offline import LABELS

    return LABELS


@pytest.mark.parametrize("view", VIEWS)
def test_every_disclosure_edited_fails(world, tmp_path, capsys, view):
    """The compact SD-JWT itself: a disclosure with any value changed is not covered."""
    _, jwks, docs, _ = world
    jwt, disclosures = sdjwt.parse(docs[view]["sd_jwt"])
    for i, text in enumerate(disclosures):
        salt, *rest = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        value = rest[-1]
        if isinstance(value, (dict, list)):
            continue  # containers: their leaves have their own disclosures
        forged = (
            base64.urlsafe_b64encode(json.dumps([salt, *rest[:-1], edited(value)]).encode())
            .rstrip(b"=")
            .decode()
        )
        text2 = "~".join([jwt, *disclosures[:i], forged, *disclosures[i + 1 :], ""])
        assert verdict(tmp_path, text2, jwks) == 1, rest
        report = verify_file(text2, jwks)
        assert report.checks[0]["code"] == "disclosure_not_signed"
    capsys.readouterr()


def test_signed_claims_edited_fail(world, tmp_path, capsys):
    _, jwks, docs, _ = world
    jwt, disclosures = sdjwt.parse(docs["public"]["sd_jwt"])
    header, payload, signature = jwt.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for name in ["number", "digest", "valid_until", "public_id", "sandbox", "iss", "vct"]:
        forged_claims = {**claims, name: edited(claims[name])}
        forged = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=")
        text = "~".join([f"{header}.{forged.decode()}.{signature}", *disclosures, ""])
        assert verdict(tmp_path, text, jwks) == 1, name
    capsys.readouterr()


# --- views swapped, labels flipped, pieces from elsewhere ----------------------------------


def test_views_swapped_and_labels_flipped(world, tmp_path, capsys, client, fleet):
    _, jwks, docs, answers = world
    # Labels are not signed and never change the verdict: a public document labelled "full"
    # still verifies, as the public view it is.
    relabelled = {**docs["public"], "view": "full", "redacted": [], "format": "x"}
    assert verdict(tmp_path, relabelled, jwks) == 0
    assert verify_file(json.dumps(relabelled), jwks).view == "public"
    # A view's SD-JWT under another view's shown fields: what is shown is not what is signed.
    for shown, signed in [("public", "code"), ("code", "full"), ("full", "public")]:
        swapped = {**docs[shown], "sd_jwt": docs[signed]["sd_jwt"]}
        assert verdict(tmp_path, swapped, jwks) == 1, (shown, signed)
    # Another certificate's SD-JWT under this one's fields.
    other = fleet.issue()
    other_doc = json.loads(
        get(
            client, json.loads(get(client, f"/v1/verify/{other['public_id']}"))["links"]["document"]
        )
    )
    assert verdict(tmp_path, {**docs["public"], "sd_jwt": other_doc["sd_jwt"]}, jwks) == 1
    # A disclosure of another certificate appended to this one's.
    extra = sdjwt.parse(other_doc["sd_jwt"])[1][0]
    text = docs["public"]["sd_jwt"] + extra + "~"
    assert verdict(tmp_path, text, jwks) == 1
    # The answer of one view with another view's SD-JWT.
    assert verdict(tmp_path, {**answers["public"], "sd_jwt": docs["full"]["sd_jwt"]}, jwks) == 1
    capsys.readouterr()


def test_status_attestation_passed_off_as_a_document(world, tmp_path, capsys):
    cert, jwks, docs, answers = world
    attestation = answers["public"]["status_attestation"]
    invented = {
        "public_id": cert["public_id"],
        "status_attestation": attestation,
        "checks": answers["public"]["checks"],
        "certificate": {**answers["public"]["certificate"], "number": "FAKE-1"},
    }
    assert verdict(tmp_path, invented, jwks) == 1
    assert verdict(tmp_path, attestation, jwks) == 1  # a status JWS is no credential
    as_document = {
        "type": "originlink.signed-certificate",
        "sd_jwt": attestation + "~",
        "certificate": docs["public"]["certificate"],
    }
    assert verdict(tmp_path, as_document, jwks) == 1
    no_sd_jwt = {k: v for k, v in answers["public"].items() if k != "sd_jwt"}
    assert verdict(tmp_path, no_sd_jwt, jwks) == 1
    capsys.readouterr()


def test_credentials_edited_fail(client, fleet, tmp_path, capsys):
    cert = fleet.issue()
    jwks = json.loads(get(client, "/.well-known/jwks.json"))
    path = f"/v1/verify/{cert['public_id']}/credential"
    vc = get(client, path, {"Accept": "application/vc+jwt"})
    sd = get(client, path, {"Accept": "application/dc+sd-jwt"})
    assert verdict(tmp_path, vc, jwks) == 0 and verdict(tmp_path, sd, jwks) == 0
    header, payload, signature = vc.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for leaf, value in leaves(claims["credentialSubject"]):
        forged = set_at(claims, ("credentialSubject", *leaf), edited(value))
        body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        assert verdict(tmp_path, f"{header}.{body}.{signature}", jwks) == 1, leaf
    capsys.readouterr()


# --- an independent verifier reads the same signatures -------------------------------------


def _reference_verify(text: str, jwks: dict) -> dict:
    from jwcrypto.jwk import JWK
    from sd_jwt.verifier import SDJWTVerifier

    def issuer_key(issuer, header):
        key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
        return JWK(**{k: key[k] for k in ("kty", "crv", "x", "y")})

    return SDJWTVerifier(text, issuer_key).get_verified_payload()


@pytest.mark.parametrize("view", VIEWS)
def test_reference_sd_jwt_implementation_agrees(world, view):
    _, jwks, docs, _ = world
    claims = _reference_verify(docs[view]["sd_jwt"], jwks)
    assert claims["certificate"] == docs[view]["certificate"]
    ours = verify_file(docs[view]["sd_jwt"], jwks).subject
    assert {k: v for k, v in claims.items() if k != "_sd_alg"} == ours


def test_reference_implementation_rejects_a_forged_value(world):
    """With a forged disclosure the reference verifier never shows the forged value."""
    _, jwks, docs, _ = world
    jwt, disclosures = sdjwt.parse(docs["public"]["sd_jwt"])
    out = []
    for text in disclosures:
        salt, *rest = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if rest[0] == "name" and isinstance(rest[-1], str):
            rest[-1] = "Forged Exporter Ltd"
            text = base64.urlsafe_b64encode(json.dumps([salt, *rest]).encode()).rstrip(b"=")
            text = text.decode()
        out.append(text)
    claims = _reference_verify("~".join([jwt, *out, ""]), jwks)
    assert "Forged Exporter Ltd" not in json.dumps(claims)


def test_joserfc_verifies_the_jws(world, client, fleet):
    """The issuer-signed JWT, the status attestation and the vc+jwt credential checked by an
    independent JOSE library against the published JWKS."""
    from joserfc import jws
    from joserfc.jwk import KeySet

    cert, jwks, docs, answers = world
    keys = KeySet.import_key_set(jwks)
    jwt = sdjwt.parse(docs["public"]["sd_jwt"])[0]
    vc = get(client, f"/v1/verify/{cert['public_id']}/credential", {"Accept": "application/vc+jwt"})
    for token in [jwt, answers["public"]["status_attestation"]]:
        obj = jws.deserialize_compact(token, keys, algorithms=["ES256"])
        assert json.loads(obj.payload)
    # The credential names its key by DID URL (did:web:<host>#<thumbprint>).
    kid = json.loads(base64.urlsafe_b64decode(vc.split(".")[0] + "==="))["kid"]
    key = keys.get_by_kid(kid.rpartition("#")[2])
    assert json.loads(jws.deserialize_compact(vc, key, algorithms=["ES256"]).payload)["issuer"]
    forged = jwt[:-4] + ("AAAA" if not jwt.endswith("AAAA") else "BBBB")
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do
        jws.deserialize_compact(forged, keys, algorithms=["ES256"])
