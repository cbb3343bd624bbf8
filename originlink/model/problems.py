"""Structured problems: what is wrong, where, and which article or box requires it."""

from __future__ import annotations

from pydantic import ValidationError

from originlink.problems import Problem, format_path


class CertificateInvalid(Exception):
    """Raised by `parse_certificate`; `.problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = self.problems[0].message if self.problems else "invalid certificate"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)

    def as_dicts(self) -> list[dict]:
        return [p.model_dump() for p in self.problems]


# Where each top-level field sits on Form RCEP, so even a type error cites its source.
_BOX_ARTICLE = {
    "number": "Annex 3B; Form RCEP header (Certificate No.); Art 3.17",
    "issue_date": "Annex 3B; Form RCEP Box 16; Art 3.16",
    "exporting_party": "Annex 3B; Form RCEP header (Issued in)",
    "importing_party": "Annex 3B; Form RCEP Box 2",
    "exporter": "Annex 3B; Form RCEP Box 1",
    "importer": "Annex 3B; Form RCEP Box 2",
    "producer": "Annex 3B; Form RCEP Box 3",
    "transport": "Annex 3B; Form RCEP Box 4",
    "goods_items": "Annex 3B; Form RCEP Boxes 6-12",
    "invoices": "Annex 3B; Form RCEP Box 13",
    "remarks": "Annex 3B; Form RCEP Box 14",
    "back_to_back": "Art 3.19; Form RCEP Boxes 14, 17",
    "third_party_invoicing": "Art 3.20; Form RCEP Boxes 14, 17",
    "issued_retroactively": "Art 3.17.8; Form RCEP Box 17",
    "certified_true_copy": "Art 3.17.9; Form RCEP Box 14",
    "exporter_declaration": "Annex 3B; Form RCEP Box 15",
    "certification": "Annex 3B; Form RCEP Box 16",
    "approved_exporter_code": "Art 3.18; Annex 3B",
    "agreement": "Annex 3B",
    "document_type": "Art 3.16; Annex 3B",
    "schema_version": "Annex 3B",
}
_GOODS_BOX = {
    "item_number": "Annex 3B; Form RCEP Box 6",
    "marks": "Annex 3B; Form RCEP Box 7",
    "packages": "Annex 3B; Form RCEP Box 8",
    "description": "Annex 3B; Form RCEP Box 8",
    "hs_code": "Annex 3B; Form RCEP Box 9",
    "hs_edition": "Annex 3B; Form RCEP Box 9",
    "origin_criterion": "Art 3.2; Annex 3B; Form RCEP Box 10",
    "country_of_origin": "Art 2.6; Form RCEP Box 11",
    "country_of_origin_marker": "Art 2.6; Form RCEP Box 11",
    "quantity": "Annex 3B; Form RCEP Box 12",
    "gross_weight": "Annex 3B; Form RCEP Box 12",
    "fob_value": "Annex 3B; Art 3.5; Form RCEP Box 12",
    "producer": "Annex 3B; Form RCEP Boxes 3, 8",
    "evidence": "Art 3.2; Art 3.5",
}

_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_too_long": "too_long",
    "string_too_short": "empty",
    "string_pattern_mismatch": "bad_format",
    "literal_error": "not_allowed_value",
    "too_long": "too_many",
    "too_short": "too_few",
    "value_error": "invalid_value",
    "bool_type": "bad_type",
    "bool_parsing": "bad_type",
    "string_type": "bad_type",
    "model_type": "bad_type",
    "model_attributes_type": "bad_type",
    "dict_type": "bad_type",
    "list_type": "bad_type",
    "int_type": "bad_type",
    "int_parsing": "bad_integer",
    "int_from_float": "bad_integer",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "json_invalid": "bad_json",
}


def article_for(loc: tuple) -> str:
    if not loc:
        return "Annex 3B"
    if loc[0] == "goods_items" and len(loc) >= 3 and isinstance(loc[2], str):
        return _GOODS_BOX.get(loc[2], _BOX_ARTICLE["goods_items"])
    return _BOX_ARTICLE.get(str(loc[0]), "Annex 3B")


def _code(err_type: str) -> str:
    if err_type in _CODES:
        return _CODES[err_type]
    if err_type.startswith("date") or err_type.startswith("datetime"):
        return "bad_date"
    if err_type.startswith("decimal"):
        return "bad_decimal"
    return "invalid_" + err_type


def problems_from_validation_error(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = tuple(err.get("loc", ()))
        path = format_path(loc)
        field = path or "document"
        if err["type"] == "extra_forbidden":
            message = f"{field}: unknown field (not part of the certificate model)"
        else:
            message = f"{field}: {err['msg']}"
        problems.append(
            Problem(path=path, code=_code(err["type"]), message=message, article=article_for(loc))
        )
    return problems
