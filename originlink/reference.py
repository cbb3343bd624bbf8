"""Reference data shipped in the package: the agreements table and their Parties.

Every loader reads from `originlink/data/` (never from outside the package) once and caches.
Sources: `originlink/data/agreements.md`. The HS nomenclature and correlation: `originlink.hs`.
"""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

# Environment variable holding extra Party pairs that do not apply an agreement to each other,
# e.g. "RCEP:AU-MM,RCEP:NZ-MM" (see data/agreements.md: which pairs is configuration).
NON_APPLYING_ENV = "ORIGINLINK_NON_APPLYING_PAIRS"
_extra_pairs: dict[str, set[frozenset[str]]] = {}
# Environment variable naming the Parties that have implemented the Declaration of Origin by an
# exporter or producer (RCEP Art 3.16.1(c), phased in), e.g. "RCEP:JP,AU" (data/agreements.md).
SELF_DECLARATION_ENV = "ORIGINLINK_SELF_DECLARATION_PARTIES"
_self_declaration: dict[str, set[str]] = {}


def _data_text(*parts: str) -> str:
    return resources.files("originlink").joinpath("data", *parts).read_text(encoding="utf-8")


# --- agreements -------------------------------------------------------------------------------


class AgreementParty(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    entry_into_force: date


class SelfDeclaration(BaseModel):
    """The Declaration of Origin by an exporter or producer (RCEP Art 3.16.1(c)), phased in:
    each Party implements it within so many years of its entry into force (Art 3.16.2), plus an
    extension it may notify (Art 3.16.3). `implemented_by`: the Parties known to apply it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    implemented_by: list[str] = []
    implement_within_years: dict[str, int] = {"default": 10}
    extension_years_max: int = 0


class Agreement(BaseModel):
    """One preferential agreement as data (RCEP now; ACFTA Form E, ATIGA Form D can follow)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str
    form_name: str
    document_types: list[str]
    validity_months: int = 12
    retroactive_limit_months: int = 12
    certified_true_copy_limit_months: int = 12
    criteria: list[str]
    fob_required_criteria: list[str]
    self_declaration: SelfDeclaration = SelfDeclaration()
    rvc_threshold: Decimal
    hs_editions: list[str]
    country_of_origin_markers: list[str]
    parties: list[AgreementParty]
    non_applying_pairs: list[tuple[str, str]] = []
    articles: dict[str, str]

    def party(self, code: str) -> AgreementParty | None:
        return next((p for p in self.parties if p.code == code), None)

    def article(self, key: str) -> str:
        return self.articles.get(key, self.articles.get("content", self.code))

    def applies_between(self, a: str, b: str) -> bool:
        """False if the pair is configured as not applying the Agreement to each other."""
        pair = frozenset((a, b))
        listed = {frozenset(p) for p in self.non_applying_pairs}
        return pair not in listed and pair not in _configured_pairs(self.code)

    def applies_self_declaration(self, party: str) -> bool:
        """True if `party` is known (shipped data or configuration) to have implemented the
        Declaration of Origin by an exporter or producer."""
        return party in self.self_declaration.implemented_by or party in _configured_parties(
            self.code
        )

    def self_declaration_due(self, party: str) -> date | None:
        """The latest date by which `party` implements it (Art 3.16.2), before any extension."""
        found = self.party(party)
        if found is None:
            return None
        years = self.self_declaration.implement_within_years
        within = years.get(party, years.get("default", 10))
        start = found.entry_into_force
        day = min(start.day, 28) if (start.month, start.day) == (2, 29) else start.day
        return start.replace(year=start.year + within, day=day)


@cache
def _agreements() -> dict[str, Agreement]:
    raw = json.loads(_data_text("agreements.json"))
    return {a["code"]: Agreement.model_validate(a) for a in raw["agreements"]}


def agreement(code: str) -> Agreement | None:
    return _agreements().get(code)


def agreement_codes() -> list[str]:
    return sorted(_agreements())


def parties(agreement_code: str = "RCEP") -> list[AgreementParty]:
    a = agreement(agreement_code)
    return list(a.parties) if a else []


def set_non_applying_pairs(agreement_code: str, pairs: list[tuple[str, str]]) -> None:
    """Configure (replace) extra Party pairs that do not apply the agreement to each other."""
    _extra_pairs[agreement_code] = {frozenset(p) for p in pairs}


def set_self_declaration_parties(agreement_code: str, parties: list[str]) -> None:
    """Configure (replace) the Parties that apply the Declaration of Origin by an exporter or
    producer, beyond the shipped list."""
    _self_declaration[agreement_code] = {p.upper() for p in parties}


def _configured_parties(agreement_code: str) -> set[str]:
    parties = set(_self_declaration.get(agreement_code, set()))
    for item in os.environ.get(SELF_DECLARATION_ENV, "").split(";"):
        code, _, listed = item.strip().partition(":")
        if code == agreement_code:
            parties |= {p.strip().upper() for p in listed.split(",") if p.strip()}
    return parties


def _configured_pairs(agreement_code: str) -> set[frozenset[str]]:
    pairs = set(_extra_pairs.get(agreement_code, set()))
    for item in os.environ.get(NON_APPLYING_ENV, "").split(","):
        code, _, pair = item.strip().partition(":")
        a, _, b = pair.partition("-")
        if code == agreement_code and a and b:
            pairs.add(frozenset((a.strip().upper(), b.strip().upper())))
    return pairs
