"""The origin statement document (originlink.statement): what it may hold — and nothing of
how origin was worked out —, every problem at once with its field and article, its digest,
and its status by date."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from originlink.statement import (
    EXAMPLE,
    OriginStatement,
    check_statement,
    statement_digest,
    status,
)

TODAY = date(2026, 12, 1)


def doc(**changes) -> dict:
    data = copy.deepcopy(EXAMPLE)
    data.update(changes)
    return data


def test_the_example_is_a_statement():
    statement, problems = check_statement(doc(), today=TODAY)
    assert problems == [] and statement.product.hs_code == "940360"  # "9403.60" as typed
    assert statement.model_dump(mode="json")["assessed_on"] == "2026-11-20"


def test_it_holds_no_costs_suppliers_or_materials():
    for name in ("costs", "materials", "supplier", "fob", "bom", "rvc", "evidence"):
        _, problems = check_statement(doc(**{name: "x"}), today=TODAY)
        assert [(p.path, p.code) for p in problems] == [(name, "unknown_field")]
    nested = doc()
    nested["product"]["unit_cost"] = "12.50"
    _, problems = check_statement(nested, today=TODAY)
    assert problems[0].path == "product.unit_cost" and "costs" in problems[0].message


def test_every_problem_at_once_with_field_and_article():
    _, problems = check_statement(
        doc(
            origin_criterion="ZZ",
            country_of_origin="US",
            exporter={"name": "X", "country": "GB"},
            valid_until="2028-01-01",
            product={**EXAMPLE["product"], "hs_code": "940130"},
        ),
        today=TODAY,
    )
    found = {(p.path, p.code): p.article for p in problems}
    assert found == {
        ("exporter.country", "not_a_party"): "Art 3.2",
        ("country_of_origin", "not_a_party"): "Art 2.6",
        ("origin_criterion", "unknown_criterion"): "Art 3.2; Annex 3B",
        ("product.hs_code", "unknown_hs_code"): "Annex 3A",
        ("valid_until", "too_long"): "Art 3.16",
    }
    assert all(p.message.startswith(p.path + ": ") for p in problems)


@pytest.mark.parametrize(
    ("changes", "path", "code"),
    [
        ({"assessed_on": "2026-12-02"}, "assessed_on", "in_future"),
        ({"valid_from": "2026-11-19"}, "valid_from", "before_assessment"),
        ({"valid_until": "2026-11-19"}, "valid_until", "before_valid_from"),
        ({"valid_until": "2026-11-30"}, "valid_until", "expired"),
        ({"assessed_on": "1949-12-31"}, "assessed_on", "greater_than_equal"),
    ],
)
def test_dates(changes, path, code):
    _, problems = check_statement(doc(**changes), today=TODAY)
    assert (path, code) in {(p.path, p.code) for p in problems}, problems


def test_not_an_object():
    assert check_statement([EXAMPLE], today=TODAY)[1][0].code == "bad_type"


def test_digest_is_rfc8785_of_the_json_form():
    statement = OriginStatement.model_validate(doc())
    reordered = dict(reversed(list(statement.model_dump(mode="json").items())))
    assert statement_digest(statement) == statement_digest(reordered)
    assert statement_digest(statement) != statement_digest(doc(origin_criterion="CTC"))


def test_status_by_state_and_date():
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert status("published", start, end, date(2026, 6, 1)) == "valid"
    assert status("published", start, end, date(2025, 12, 31)) == "not_yet_valid"
    assert status("published", start, end, date(2027, 1, 1)) == "expired"
    assert status("withdrawn", start, end, date(2026, 6, 1)) == "withdrawn"
    assert status("superseded", start, end, date(2027, 6, 1)) == "superseded"
