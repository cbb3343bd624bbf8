"""A certificate as one SD-JWT issuance (`dc+sd-jwt`, IETF SD-JWT VC profile), and its views.

The service signs once, at issue: always-visible claims (who signed, for which certificate,
its digest, validity end, sandbox or not) plus the whole certificate document, every field of
it concealed behind a salted digest. Each view presents the same signed JWT with the
disclosures of the fields it shows:

| view | shows |
|---|---|
| `public` | `PUBLIC_FIELDS` (what `originlink.model.public_view` lists) |
| `code` | everything but the goods items' origin evidence (the access code's view) |
| `full` | everything (the owning exporter's view); its digest can be recomputed |

No internal ids are signed: the public id, the number and the exporter's account name are.
"""

from __future__ import annotations

import base64
import hmac
import json

from . import sdjwt

TYP = "dc+sd-jwt"
TYPES = (TYP, "vc+sd-jwt")  # the SD-JWT VC media type before draft 06 is read too
VCT = "urn:originlink:vct:rcep-certificate-of-origin:1"
SANDBOX_VCT = "urn:originlink:vct:sandbox-not-a-certificate-of-origin:1"
# An exporter's origin statement about a product (originlink.statement): its own types, so
# that it can never be read as a certificate of origin.
STATEMENT_VCT = "urn:originlink:vct:rcep-origin-statement:1"
SANDBOX_STATEMENT_VCT = "urn:originlink:vct:sandbox-not-an-origin-statement:1"
STATEMENT_VCTS = (STATEMENT_VCT, SANDBOX_STATEMENT_VCT)
SANDBOX_PATH = "/sandbox"  # a sandbox issuance's `iss` is the origin plus this

ALL = True
# Shown to anyone with the link: the shape of the certificate document, restricted.
PUBLIC_FIELDS: dict = {
    "schema_version": ALL,
    "agreement": ALL,
    "document_type": ALL,
    "number": ALL,
    "issue_date": ALL,
    "exporting_party": ALL,
    "importing_party": ALL,
    "exporter": {"name": ALL, "country": ALL},
    "issued_retroactively": ALL,
    "certified_true_copy": ALL,
    "back_to_back": {
        "original_number": ALL,
        "original_issue_date": ALL,
        "first_exporting_party": ALL,
        "first_country_of_origin": ALL,
    },
    "goods_items": {
        "item_number": ALL,
        "description": ALL,
        "hs_code": ALL,
        "hs_edition": ALL,
        "origin_criterion": ALL,
        "country_of_origin": ALL,
        "country_of_origin_marker": ALL,
    },
    "certification": {"issuing_body": ALL},
    "approved_exporter_code": ALL,
}
VIEWS = ("public", "code", "full")

# Field groups a verifier reports on (what a person checks), by top-level field of the
# certificate; goods items split into their public columns and their figures.
GROUPS: dict[str, tuple] = {
    "identity": ("schema_version", "agreement", "document_type", "number", "issue_date"),
    "parties": ("exporting_party", "importing_party", "exporter"),
    "importer": ("importer",),
    "producer": ("producer",),
    "transport": ("transport",),
    "goods": ("goods_items",),
    "quantities_and_values": ("goods_items.quantity", "goods_items.fob_value"),
    "origin_evidence": ("goods_items.evidence",),
    "invoices": ("invoices", "third_party_invoicing"),
    "declarations": ("exporter_declaration", "certification", "approved_exporter_code"),
    "special_cases": ("issued_retroactively", "certified_true_copy", "back_to_back"),
    "remarks": ("remarks", "official_use"),
}


def _allowed(spec, path: tuple) -> bool:
    node = spec
    for part in path:
        if isinstance(part, int):
            continue
        if node is ALL:
            return True
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _is_evidence(path: tuple) -> bool:
    return len(path) >= 4 and path[1] == "goods_items" and path[3] == "evidence"


def keep(view: str):
    """The disclosure filter of a view (paths start with "certificate")."""
    if view == "public":
        return lambda path: path[0] == "certificate" and _allowed(PUBLIC_FIELDS, path[1:])
    if view == "code":
        return lambda path: not _is_evidence(path)
    if view == "full":
        return None
    raise ValueError(f"view must be one of {VIEWS}, not {view!r}")


def issue_certificate(
    document: dict,
    signer,
    *,
    origin: str,
    public_id: str,
    digest: str,
    valid_until: str,
    submitted_by: str,
    sandbox: bool,
    issued_at: int,
    seed: bytes,
    extra_claims: dict | None = None,
) -> sdjwt.Issued:
    """The one issuance of a certificate (`document` is its JSON form, as stored). Its salts
    come from `seed` (a per-certificate secret, kept like the access code), so the record
    stores the signed JWT and the seed, and the disclosures are rebuilt from the document
    (`issuance`) — a certificate near the store's size limit is not stored twice."""
    claims = {
        "iss": origin + (SANDBOX_PATH if sandbox else ""),
        "iat": issued_at,
        "vct": SANDBOX_VCT if sandbox else VCT,
        "public_id": public_id,
        "number": document["number"],
        "document_type": document["document_type"],
        "digest": digest,
        "valid_until": valid_until,
        "submitted_by": {"name": submitted_by},
        "sandbox": sandbox,
        **(extra_claims or {}),
    }
    return sdjwt.issue(claims, {"certificate": document}, signer, typ=TYP, salt=salts(seed))


def issue_statement(
    document: dict,
    signer,
    *,
    origin: str,
    public_id: str,
    digest: str,
    submitted_by: str,
    sandbox: bool,
    issued_at: int,
    seed: bytes,
) -> sdjwt.Issued:
    """The one issuance of an origin statement (`document` is its JSON form, as stored): the
    same format as a certificate's, its own `vct`, the statement under `statement`. Every
    field of a statement is public, so its one view discloses them all; they are concealed
    in the JWT all the same, which keeps one verifier for both and lets a later field stay
    private."""
    claims = {
        "iss": origin + (SANDBOX_PATH if sandbox else ""),
        "iat": issued_at,
        "vct": SANDBOX_STATEMENT_VCT if sandbox else STATEMENT_VCT,
        "public_id": public_id,
        "document_type": "origin_statement",
        "digest": digest,
        "valid_from": document["valid_from"],
        "valid_until": document["valid_until"],
        "submitted_by": {"name": submitted_by},
        "sandbox": sandbox,
    }
    return sdjwt.issue(claims, {"statement": document}, signer, typ=TYP, salt=salts(seed))


def statement_issuance(jwt: str, document: dict, seed: bytes) -> sdjwt.Issued:
    """A stored statement's issuance, rebuilt (as `issuance` for a certificate)."""
    return sdjwt.rebuild(jwt, {"statement": document}, salts(seed))


def salts(seed: bytes):
    """Each disclosure's salt: HMAC-SHA256(seed, its path), 128 bits — unpredictable without
    the seed, and the same at every rebuild."""

    def salt(path: tuple) -> str:
        mac = hmac.digest(seed, json.dumps(path).encode("utf-8"), "sha256")
        return base64.urlsafe_b64encode(mac[:16]).rstrip(b"=").decode("ascii")

    return salt


def issuance(jwt: str, document: dict, seed: bytes) -> sdjwt.Issued:
    """A stored certificate's issuance: its signed JWT with every disclosure, rebuilt."""
    return sdjwt.rebuild(jwt, {"certificate": document}, salts(seed))


def present(issued: sdjwt.Issued, view: str) -> str:
    """The compact SD-JWT of one view."""
    return issued.present(keep(view))


def view_of(claims: dict, concealed: int) -> str:
    """Which view a verified presentation is, from what it discloses (never from a label)."""
    if concealed == 0:
        return "full"
    items = (claims.get("certificate") or {}).get("goods_items") or []
    if "importer" in (claims.get("certificate") or {}) and all(
        "evidence" not in item for item in items
    ):
        return "code"
    return "public"


def coverage(disclosed: list[tuple]) -> list[dict]:
    """Per field group: shown and covered by the signature, or withheld in this view."""
    shown = set()
    for path in disclosed:
        if path[0] != "certificate" or len(path) < 2:
            continue
        shown.add(path[1])
        if path[1] == "goods_items" and len(path) >= 4:
            shown.add(f"goods_items.{path[3]}")
    out = []
    for group, fields in GROUPS.items():
        present_ = [f for f in fields if f in shown]
        out.append(
            {
                "group": group,
                "fields": list(fields),
                "covered": bool(present_),
                "state": "shown_and_signed" if present_ else "withheld",
            }
        )
    return out
