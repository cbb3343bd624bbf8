"""Builders for assessment inputs used across the rules tests."""

from __future__ import annotations

import pytest

from originlink.rules.assess import assess
from originlink.rules.psr import PsrTable


def good(hs_code: str, fob: str, materials: list[dict], edition: str = "HS2022", **extra) -> dict:
    data = {
        "agreement": "RCEP",
        "hs_edition": edition,
        "exporting_party": "CN",
        "product": {"hs_code": hs_code, "description": "test good"},
        "fob": {"amount": fob, "currency": "USD"},
        "materials": materials,
    }
    data.update(extra)
    return data


def mat(mid: str, hs: str, value: str, country: str | None = "RU", originating=False, **kw) -> dict:
    return {
        "id": mid,
        "hs_code": hs,
        "value": value,
        "origin_country": country,
        "originating": originating,
        **kw,
    }


def run(data: dict, table: PsrTable | None = None) -> dict:
    """Assess against the shipped table only (no user directory) and return the JSON dict."""
    return assess(data, table=table or PsrTable.shipped()).to_json_dict()


def codes(result: dict) -> list[str]:
    return [r["code"] for r in result["reasons"]]


def reason(result: dict, code: str) -> dict:
    found = [r for r in result["reasons"] if r["code"] == code]
    if not found:
        pytest.fail(f"no reason {code} in {codes(result)}")
    return found[0]
