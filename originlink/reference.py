"""Reference data shipped in the package: HS nomenclature per edition and the agreements table.

Every loader reads from `originlink/data/` (never from outside the package) once and caches.
Sources and licences: `originlink/data/hs/SOURCE.md` and `originlink/data/agreements.md`.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

HS_EDITIONS: tuple[str, ...] = ("HS2012", "HS2017", "HS2022")

# Environment variable holding extra Party pairs that do not apply an agreement to each other,
# e.g. "RCEP:AU-MM,RCEP:NZ-MM" (see data/agreements.md: which pairs is configuration).
NON_APPLYING_ENV = "ORIGINLINK_NON_APPLYING_PAIRS"
_extra_pairs: dict[str, set[frozenset[str]]] = {}


def _data_text(*parts: str) -> str:
    return resources.files("originlink").joinpath("data", *parts).read_text(encoding="utf-8")


# --- HS nomenclature -------------------------------------------------------------------------


def _edition_key(edition: str) -> str:
    key = edition.upper().replace(" ", "")
    if not key.startswith("HS"):
        key = "HS" + key
    if key not in HS_EDITIONS:
        raise ValueError(f"unknown HS edition {edition!r}; known: {', '.join(HS_EDITIONS)}")
    return key


@cache
def hs_table(edition: str) -> dict[str, str]:
    """All codes of one edition (2-digit chapters, 4-digit headings, 6-digit subheadings)."""
    key = _edition_key(edition)
    text = _data_text("hs", f"{key.lower()}.csv")
    return {row["code"]: row["description"] for row in csv.DictReader(io.StringIO(text))}


def hs_exists(code: str, edition: str) -> bool:
    """True if `code` (2, 4 or 6 digits, dots allowed) is in the given HS edition."""
    try:
        return _normalise_hs(code) in hs_table(edition)
    except ValueError:
        return False


def hs_description(code: str, edition: str) -> str | None:
    try:
        return hs_table(edition).get(_normalise_hs(code))
    except ValueError:
        return None


def _normalise_hs(code: str) -> str:
    return str(code).replace(".", "").strip()


@cache
def hs2022_to_hs2012() -> dict[str, list[tuple[str, str]]]:
    """UNSD correlation: HS 2022 code -> [(HS 2012 code, relationship e.g. '1:1')]."""
    out: dict[str, list[tuple[str, str]]] = {}
    text = _data_text("hs", "hs2022_hs2012_correlation.csv")
    for row in csv.DictReader(io.StringIO(text)):
        out.setdefault(row["hs2022"], []).append((row["hs2012"], row["relationship"]))
    return out


# --- agreements -------------------------------------------------------------------------------


class AgreementParty(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    entry_into_force: date


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


def _configured_pairs(agreement_code: str) -> set[frozenset[str]]:
    pairs = set(_extra_pairs.get(agreement_code, set()))
    for item in os.environ.get(NON_APPLYING_ENV, "").split(","):
        code, _, pair = item.strip().partition(":")
        a, _, b = pair.partition("-")
        if code == agreement_code and a and b:
            pairs.add(frozenset((a.strip().upper(), b.strip().upper())))
    return pairs
