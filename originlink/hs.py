"""HS codes (Harmonized System): read, check and print them, in the editions RCEP uses.

People write a subheading with a dot, a space or neither; all three are the same code, and
`compact` gives the one form stored and compared everywhere (the certificate model, the origin
engine, the PSR table, the CLI, the service, and Odoo through its bridge). A code is checked
against the nomenclature of its edition: a code that does not exist there is an error naming
the edition. The nomenclature of each edition and the UNSD HS 2022 -> HS 2012 correlation are
read from `originlink/data/hs/` (sources: its SOURCE.md) once, on first use.

>>> compact("9403.60"), compact("9403 60"), compact("940360")
('940360', '940360', '940360')
>>> validate("9403.60", "HS2022")
'940360'
>>> validate("9403.90", "HS2022")
Traceback (most recent call last):
    ...
originlink.hs.UnknownCode: 9403.90 is not in HS 2022
>>> validate("94036", "HS2022")
Traceback (most recent call last):
    ...
originlink.hs.InvalidLength: '94036' has 5 digits; an HS code has 6 (dots and spaces allowed)
>>> validate("4407", "HS2012", lengths=(4, 6))
'4407'
>>> is_valid("9403.90", "HS2012"), is_valid("9403.90", "HS2022")
(True, False)
>>> format("940360"), format("9403"), format("94")
('9403.60', '94.03', '94')
>>> level("9403")
'heading'
>>> edition_key("2022"), edition_key("hs 2017"), edition_key(2012)
('HS2022', 'HS2017', 'HS2012')
>>> edition_name("HS2022")
'HS 2022'
>>> description("940360", "HS2022")
'Furniture; wooden, other than for office, kitchen or bedroom use'
>>> hs2012_for("9403.99")  # HS 2022 subheading -> (HS 2012 code, UNSD relationship)
(('940390', 'n:1'),)
"""

from __future__ import annotations

import builtins
import csv
import io
from collections.abc import Collection
from functools import cache
from importlib import resources

EDITIONS: tuple[str, ...] = ("HS2012", "HS2017", "HS2022")
LEVELS = {2: "chapter", 4: "heading", 6: "subheading"}
# National tariff lines (8 or 10 digits) share the first six with the HS subheading.
NATIONAL_LENGTHS = (8, 10)
# UNSD relationships in which an HS 2022 code corresponds to exactly one HS 2012 code: the
# HS 2012 code (and so its rule) covers all of it.
SINGLE_TARGET = ("1:1", "n:1")


class InvalidHsCode(ValueError):
    """An HS code that cannot be used. `code` is the stable problem code machines switch on."""

    code = "invalid_hs_code"


class InvalidFormat(InvalidHsCode):
    """Something other than digits, dots and spaces."""

    code = "hs_code_bad_format"


class InvalidLength(InvalidHsCode):
    """Digits, but not as many as asked for (e.g. 6 for a subheading)."""

    code = "hs_code_bad_length"


class UnknownCode(InvalidHsCode):
    """Well formed, but not a code of the stated edition."""

    code = "hs_code_unknown"


class UnknownEdition(InvalidHsCode):
    """Not one of `EDITIONS` (HS 2012, 2017, 2022)."""

    code = "hs_edition_unknown"


# --- the code itself -------------------------------------------------------------------------


def compact(code: str) -> str:
    """The code without the dots and spaces people write in it ("9403.60" -> "940360").
    Anything that is not a string is returned as it is, for the caller's type check."""
    if not isinstance(code, str) or (code.isdigit() and code.isascii()):
        return code  # not text (the caller's type check says so), or already compact
    return "".join(code.split()).replace(".", "")


def format(code: str) -> str:  # noqa: A001 - python-stdnum's name for it
    """The code as printed in the nomenclature: "94", "94.03", "9403.60"."""
    code = compact(code)
    if len(code) == 4:
        return f"{code[:2]}.{code[2:]}"
    if len(code) >= 6:
        return f"{code[:4]}.{code[4:6]}" + (f".{code[6:]}" if len(code) > 6 else "")
    return code


def level(code: str) -> str:
    """ "chapter", "heading" or "subheading" for a code of 2, 4 or 6 digits."""
    return LEVELS[len(compact(code))]


def validate(code: str, edition: str | None = None, *, lengths: Collection[int] = (6,)) -> str:
    """The compact code if it is well formed, has one of `lengths` digits and, when `edition`
    is given, exists in that edition (a national line of 8 or 10 digits, where allowed, by its
    first six); otherwise raise the `InvalidHsCode` that says why."""
    value = compact(code)
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        raise InvalidFormat(f"{code!r} is not an HS code (digits, with dots or spaces)")
    if len(value) not in lengths:
        want = " or ".join(str(n) for n in sorted(lengths))
        raise InvalidLength(
            f"{code!r} has {len(value)} digits; an HS code has {want} (dots and spaces allowed)"
        )
    if edition is not None:
        key = edition_key(edition)
        if value[:6] not in table(key):
            raise UnknownCode(f"{format(value[:6])} is not in {edition_name(key)}")
    return value


def input_pattern(lengths: Collection[int] = (6,)) -> str:
    """A JSON Schema pattern for what `compact` turns into a code of one of `lengths` digits:
    digits with dots and white space anywhere ("9403.60", "9403 60", "940360")."""
    digit = r"[0-9][.\s]*"
    options = "|".join(f"(?:{digit}){{{n}}}" for n in sorted(lengths))
    return rf"^[.\s]*(?:{options})$"


def is_valid(code: str, edition: str | None = None, *, lengths: Collection[int] = (6,)) -> bool:
    try:
        validate(code, edition, lengths=lengths)
    except InvalidHsCode:
        return False
    return True


# --- editions --------------------------------------------------------------------------------


def edition_key(value: str | int) -> str:
    """The edition's key ("HS2022") from the ways people write it: "2022", "HS 2022", "hs2022"."""
    key = builtins.format(value).upper().replace(" ", "")
    key = key if key.startswith("HS") else "HS" + key
    if key not in EDITIONS:
        names = ", ".join(EDITIONS)
        raise UnknownEdition(f"unknown HS edition {value!r}; known: {names}")
    return key


def edition_name(key: str) -> str:
    """How an edition is named to people: "HS 2022"."""
    return f"HS {edition_key(key)[2:]}"


# --- the nomenclature and the correlation (loaded once) --------------------------------------


def _data(name: str) -> csv.DictReader:
    text = resources.files("originlink").joinpath("data", "hs", name).read_text(encoding="utf-8")
    return csv.DictReader(io.StringIO(text))


@cache
def table(edition: str) -> dict[str, str]:
    """Every code of one edition (chapters, headings, subheadings) -> its short description."""
    key = edition_key(edition)
    return {row["code"]: row["description"] for row in _data(f"{key.lower()}.csv")}


def exists(code: str, edition: str) -> bool:
    """True if the code (2, 4 or 6 digits, dots and spaces allowed) is in the edition."""
    return is_valid(code, edition, lengths=LEVELS)


def description(code: str, edition: str) -> str | None:
    """The UN Comtrade short description (for display, not the legal heading text)."""
    try:
        return table(edition).get(compact(code))
    except InvalidHsCode:
        return None


@cache
def correlation() -> dict[str, tuple[tuple[str, str], ...]]:
    """UNSD correlation: HS 2022 subheading -> ((HS 2012 subheading, relationship), ...)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for row in _data("hs2022_hs2012_correlation.csv"):
        out.setdefault(row["hs2022"], []).append((row["hs2012"], row["relationship"]))
    return {code: tuple(targets) for code, targets in out.items()}


def hs2012_for(code: str) -> tuple[tuple[str, str], ...]:
    """The HS 2012 subheadings an HS 2022 subheading corresponds to, with the relationship."""
    return correlation().get(compact(code)[:6], ())


def single_hs2012(code: str) -> tuple[str, str] | None:
    """(HS 2012 code, relationship) when the HS 2022 code corresponds to exactly one HS 2012
    code (`SINGLE_TARGET`), else None."""
    targets = hs2012_for(code)
    if len(targets) == 1 and targets[0][1] in SINGLE_TARGET:
        return targets[0]
    return None


__all__ = [
    "EDITIONS",
    "LEVELS",
    "InvalidFormat",
    "InvalidHsCode",
    "InvalidLength",
    "UnknownCode",
    "UnknownEdition",
    "compact",
    "correlation",
    "description",
    "edition_key",
    "edition_name",
    "exists",
    "format",
    "hs2012_for",
    "input_pattern",
    "is_valid",
    "level",
    "single_hs2012",
    "table",
    "validate",
]
