import copy
import json
from datetime import date
from pathlib import Path

import pytest

from originlink import reference

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TODAY = date(2026, 11, 25)


def load_example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture
def co() -> dict:
    """A valid Certificate of Origin (CN -> VN, two items, one under RVC)."""
    return copy.deepcopy(load_example("certificate.json"))


@pytest.fixture
def doo() -> dict:
    """A valid Declaration of Origin by an approved exporter (CN -> TH)."""
    return copy.deepcopy(load_example("certificate-declaration.json"))


@pytest.fixture(autouse=True)
def _no_configured_pairs(monkeypatch):
    monkeypatch.delenv(reference.NON_APPLYING_ENV, raising=False)
    yield
    reference.set_non_applying_pairs("RCEP", [])
