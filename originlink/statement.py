"""An origin statement: the exporter's own, product-level statement that a product originates
under an agreement — who states it, which product (name, HS code), which origin criterion,
which RCEP country of origin, when origin was assessed, and from when until when the exporter
stands by it.

It is **not** a proof of origin (Art 3.16) and not a certificate for any shipment: no issuing
body has examined it, and a preference is claimed at import with a proof of origin for the
consignment. It tells a buyer, before buying, what the exporter states about the product, and
the service signs it on the exporter's behalf so that nobody else can change it.

It carries nothing of how origin was worked out — no costs, prices, suppliers, materials or
bills of materials: every model is `extra="forbid"`, so a field not listed here is refused,
never stored or signed (`tests/core/test_statement.py` holds the list).

>>> statement, problems = check_statement(EXAMPLE, today=date(2026, 12, 1))
>>> problems, statement.product.hs_code, statement_digest(statement)[:7]
([], '940360', 'sha256:')
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Literal

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from originlink import hs, reference
from originlink.model.certificate import HsEdition, add_months
from originlink.model.types import CountryCode, DocDate, HsCode, Name, Reference
from originlink.problems import Problem, format_path

SCHEMA_VERSION = "1"
# A statement stands at most this long after the assessment it rests on: no longer than a
# proof of origin built on the same assessment would be valid (Art 3.16: one year). The
# exporter renews it with a fresh assessment.
MAX_VALIDITY_MONTHS = 12
DOCUMENT_TYPE = "origin_statement"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StatementExporter(_Model):
    """Who makes the statement (as on a certificate's Box 1: name and country only)."""

    name: Name
    country: CountryCode


class StatementProduct(_Model):
    reference: Reference = Field(
        description="the exporter's own reference of the product (SKU, item code): one "
        "statement stands for it at a time"
    )
    name: Name
    hs_code: HsCode
    hs_edition: HsEdition


class OriginStatement(_Model):
    """The exporter's statement about one product (see the module's docstring)."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    agreement: str = Field(default="RCEP", pattern=r"^[A-Z0-9_-]{2,20}$")
    exporter: StatementExporter
    product: StatementProduct
    origin_criterion: str = Field(
        pattern=r"^[A-Z]{2,4}$", description="the agreement's criterion; RCEP: WO, PE, CTC, RVC…"
    )
    country_of_origin: CountryCode = Field(description="the RCEP country of origin (Art 2.6)")
    assessed_on: DocDate = Field(description="when the exporter assessed the product's origin")
    valid_from: DocDate
    valid_until: DocDate = Field(description="last day the exporter stands by the statement")


# Articles named by each problem (the agreement's own article table where it has one).
_ARTICLES = {
    "agreement": "Art 3.2",
    "exporter": "Art 3.2",
    "product": "Annex 3A",
    "origin_criterion": "Art 3.2; Annex 3B",
    "country_of_origin": "Art 2.6",
    "assessed_on": "Art 3.2",
    "valid_from": "Art 3.16",
    "valid_until": "Art 3.16",
}


def _problem(path: str, code: str, message: str) -> Problem:
    article = _ARTICLES.get(path.split(".", 1)[0].split("[", 1)[0])
    return Problem(path=path, code=code, message=f"{path}: {message}", article=article)


def _shape_problems(exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        path = format_path(tuple(err.get("loc", ())))
        if err["type"] == "extra_forbidden":
            out.append(
                _problem(
                    path,
                    "unknown_field",
                    "not part of an origin statement (it holds no costs, suppliers or materials)",
                )
            )
        else:
            out.append(_problem(path or "statement", err["type"], err["msg"]))
    return out


def check_statement(data: object, *, today: date) -> tuple[OriginStatement | None, list[Problem]]:
    """Parse and check a statement; every problem at once, never raises on bad input. Dates
    are checked against `today` (UTC): a statement is not assessed in the future, and is not
    published already expired."""
    if not isinstance(data, dict):
        return None, [
            _problem("statement", "bad_type", f"must be a JSON object, not {type(data).__name__}")
        ]
    try:
        statement = OriginStatement.model_validate(data)
    except ValidationError as exc:
        return None, _shape_problems(exc)
    problems: list[Problem] = []
    agreement = reference.agreement(statement.agreement)
    if agreement is None:
        problems.append(_problem("agreement", "unknown_agreement", "not an agreement we know"))
    else:
        for path, code in (
            ("exporter.country", statement.exporter.country),
            ("country_of_origin", statement.country_of_origin),
        ):
            if agreement.party(code) is None:
                problems.append(
                    _problem(path, "not_a_party", f"{code} is not a Party to {agreement.code}")
                )
        if statement.origin_criterion not in agreement.criteria:
            problems.append(
                _problem(
                    "origin_criterion",
                    "unknown_criterion",
                    f"{statement.origin_criterion} is not a criterion of {agreement.code} "
                    f"({', '.join(agreement.criteria)})",
                )
            )
        if statement.product.hs_edition not in agreement.hs_editions:
            problems.append(
                _problem("product.hs_edition", "unknown_edition", "not an edition it uses")
            )
    try:
        hs.validate(statement.product.hs_code, statement.product.hs_edition)
    except hs.InvalidHsCode as exc:
        problems.append(_problem("product.hs_code", "unknown_hs_code", str(exc)))
    problems += _date_problems(statement, today)
    return (None if problems else statement), problems


def _date_problems(statement: OriginStatement, today: date) -> list[Problem]:
    out = []
    if statement.assessed_on > today:
        out.append(_problem("assessed_on", "in_future", f"{statement.assessed_on} is after today"))
    if statement.valid_from < statement.assessed_on:
        out.append(
            _problem(
                "valid_from",
                "before_assessment",
                f"the statement cannot stand before the assessment it rests on "
                f"({statement.assessed_on})",
            )
        )
    if statement.valid_until < statement.valid_from:
        out.append(_problem("valid_until", "before_valid_from", "before valid_from"))
    latest = add_months(statement.assessed_on, MAX_VALIDITY_MONTHS)
    if statement.valid_until > latest:
        out.append(
            _problem(
                "valid_until",
                "too_long",
                f"at most {MAX_VALIDITY_MONTHS} months after assessed_on ({latest}); renew "
                "the statement with a fresh assessment",
            )
        )
    if statement.valid_until < today:
        out.append(_problem("valid_until", "expired", f"{statement.valid_until} is past"))
    return out


def statement_digest(statement: OriginStatement | dict) -> str:
    """`sha256:<hex>` of the RFC 8785 canonical JSON of the statement (what is signed)."""
    data = statement.model_dump(mode="json") if isinstance(statement, BaseModel) else statement
    return "sha256:" + hashlib.sha256(rfc8785.dumps(data)).hexdigest()


# What becomes of a statement: published → withdrawn (by the exporter) | superseded (by its
# renewal). Expiry follows from its dates (never stored); a verifier answers one of STATUSES.
PUBLISHED, WITHDRAWN, SUPERSEDED = "published", "withdrawn", "superseded"
STATES = (PUBLISHED, WITHDRAWN, SUPERSEDED)
MEANINGS = {
    PUBLISHED: "signed and public: it stands between its valid_from and valid_until",
    WITHDRAWN: "withdrawn by the exporter: it no longer stands",
    SUPERSEDED: "renewed: a newer statement about the same product stands instead",
}
STATUSES = ("valid", "not_yet_valid", "expired", "withdrawn", "superseded")
# Status codes under which a statement's credential is revoked (its Bitstring Status List bit).
REVOKED = frozenset({WITHDRAWN, SUPERSEDED})


def status(state: str, valid_from: date, valid_until: date, today: date) -> str:
    """What a verifier says of a statement today: withdrawn and superseded first, then the
    dates.

    >>> status("published", date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 1))
    'expired'
    """
    if state in (WITHDRAWN, SUPERSEDED):
        return state
    if today < valid_from:
        return "not_yet_valid"
    if today > valid_until:
        return "expired"
    return "valid"


# Field groups a verifier reports on.
GROUPS: dict[str, tuple[str, ...]] = {
    "exporter": ("exporter",),
    "product": ("product",),
    "origin": ("agreement", "origin_criterion", "country_of_origin", "assessed_on"),
    "validity": ("valid_from", "valid_until"),
}

EXAMPLE = {
    "agreement": "RCEP",
    "exporter": {"name": "Guangzhou Pearl River Furniture Co., Ltd.", "country": "CN"},
    "product": {
        "reference": "TABLE-OAK-01",
        "name": "Oak dining table",
        "hs_code": "9403.60",
        "hs_edition": "HS2022",
    },
    "origin_criterion": "RVC",
    "country_of_origin": "CN",
    "assessed_on": "2026-11-20",
    "valid_from": "2026-11-20",
    "valid_until": "2027-11-19",
}
