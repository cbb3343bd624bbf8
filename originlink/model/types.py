"""Constrained scalar types shared by the document model.

Strings are bounded (hostile input cannot make us hold megabytes per field) and may only hold
characters XML 1.0 can carry, so every valid certificate can be written as UBL XML and read back
unchanged; control characters (C0 but TAB and line breaks, DEL, C1) and the bidirectional
embedding, override and isolate controls — which make a page show "Co LIVE" as "Co EVIL" — are
refused in every free-text field, the service's reasons and notes included (`text`). Line
breaks are normalised to "\\n" (XML parsers do the same). Amounts and quantities
are `Decimal`, never float, and are written in plain notation ("1200.50", never "1.2005E+3").
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from originlink import hs

# Characters XML 1.0 cannot carry (C0 controls except TAB/LF/CR, lone surrogates, U+FFFE/F),
# and the other control characters: DEL and C1 (terminal escapes, invisible on a page).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Bidirectional embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069). The marks
# LRM, RLM and ALM stay allowed: they cannot reorder text around them.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _normalise_text(value: object) -> object:
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def plain_text_problem(value: str) -> str | None:
    """Why `value` is not plain text (a control or bidirectional control character), or
    None."""
    bad = _CONTROL.search(value)
    if bad:
        return f"contains a control character (U+{ord(bad.group()):04X})"
    bad = _BIDI_CONTROL.search(value)
    if bad:
        return (
            f"contains a bidirectional control character (U+{ord(bad.group()):04X}), which "
            "would change the order in which the text is shown"
        )
    return None


def _plain_text(value: str) -> str:
    problem = plain_text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def text(max_length: int, min_length: int = 1) -> object:
    """A bounded string of plain, XML-safe text: the type of every free-text field."""
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        BeforeValidator(_normalise_text),
        AfterValidator(_plain_text),
    ]


Name = text(200)
Address = text(500)
ShortText = text(100)
Description = text(1000)
LongText = text(2000)
Reference = text(100)  # document numbers, invoice numbers, codes

CountryCode = Annotated[
    str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, upper case")
]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. USD")]
UnitCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9]{1,10}$",
        description="unit of measure, UN/ECE Rec 20 code preferred (KGM, PCE, SET) or kg, pcs",
    ),
]
_HS_HELP = "HS subheading, 6 digits; dots and spaces are dropped on input (9403.60 = 940360)"
HsCode = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{6}$"),
    BeforeValidator(hs.compact),
    Field(description=_HS_HELP),
    WithJsonSchema(
        {"type": "string", "pattern": hs.input_pattern((6,)), "description": _HS_HELP},
        mode="validation",
    ),
]


def _no_float(value: object) -> object:
    # Binary floats cannot represent most decimal amounts exactly: make callers say what they mean.
    if isinstance(value, float):
        raise ValueError("must be a decimal string or integer, not a binary float")
    return value


def _plain(value: Decimal) -> Decimal:
    # Plain notation and no negative zero, so JSON/XML text is stable and human readable.
    if value == 0:
        value = abs(value)
    return Decimal(format(value, "f"))


def decimal_text(value: Decimal) -> str:
    """Plain decimal notation: str(Decimal("1E-8")) would give exponent form."""
    return format(value, "f")


_AS_TEXT = PlainSerializer(decimal_text, return_type=str, when_used="json")

Amount = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(ge=0, max_digits=24, decimal_places=6),
    AfterValidator(_plain),
    _AS_TEXT,
]
Percentage = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(ge=-1000, le=1000, max_digits=24, decimal_places=10),
    AfterValidator(_plain),
    _AS_TEXT,
]


# Calendar dates on a certificate: bounded so date arithmetic (validity = issue + 1 year,
# retroactive limit = departure + 1 year) can never overflow, and typos like 0202 or 9999 are
# refused with the field named rather than failing later.
DocDate = Annotated[date, Field(ge=date(1950, 1, 1), le=date(2199, 12, 31))]
