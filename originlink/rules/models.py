"""Assessment input and output (the contract in docs/rules.md; field names are stable).

Input is validated once here; the engine then reads plain attributes. Amounts are `Decimal`
(JSON numbers are read as Decimal by the CLI, strings are preferred); a float never enters.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic.dataclasses import rebuild_dataclass

from originlink import hs
from originlink.problems import Problem
from originlink.rules.language import MAX_RULE_CHARS

# Bounded so every sum stays exact in the engine's 60-digit Decimal context.
Amount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False, max_digits=30, decimal_places=10)]
PositiveAmount = Annotated[
    Decimal, Field(gt=0, allow_inf_nan=False, max_digits=30, decimal_places=10)
]


def _hs_code(lengths: tuple[int, ...], help_text: str):
    """An HS code field: dots and spaces dropped (`originlink.hs.compact`), then so many digits.
    The JSON Schema of the input shows what is accepted, that of the output what is written."""
    digits = "|".join(f"[0-9]{{{n}}}" for n in lengths)
    return Annotated[
        str,
        StringConstraints(pattern=f"^(?:{digits})$"),
        BeforeValidator(hs.compact),
        WithJsonSchema(
            {"type": "string", "pattern": hs.input_pattern(lengths), "description": help_text},
            mode="validation",
        ),
    ]


# A material may be given at heading level (4 digits); the product needs its subheading (6).
# National digits beyond 6 (8 or 10) are accepted and ignored. Every code must exist in the
# input's HS edition (checked by the engine, which knows the edition).
HsCode = _hs_code((4, 6, 8, 10), "HS heading or subheading (4 or 6 digits; 9403.60 = 940360)")
ProductHsCode = _hs_code((6, 8, 10), "HS subheading (6 digits; 9403.60 = 9403 60 = 940360)")
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
# Free text is bounded so a hostile input cannot make every explanation megabytes long.
Ref = Annotated[str, Field(min_length=1, max_length=200)]  # material ids
Text = Annotated[str, Field(max_length=2000)]
RuleText = Annotated[str, Field(min_length=1, max_length=MAX_RULE_CHARS)]
Role = Literal["component", "retail_packaging", "transport_packing", "accessory", "indirect"]
DeductionKind = Literal["freight", "insurance", "packing", "duty", "brokerage", "waste"]

KG_PER = {"kg": Decimal(1), "g": Decimal("0.001"), "t": Decimal(1000), "lb": Decimal("0.45359237")}


_RULE_TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_RULE_CHARS}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(_In):
    amount: PositiveAmount
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")


class Weight(_In):
    amount: Amount
    unit: Literal["kg", "g", "t", "lb"] = "kg"

    @property
    def kg(self) -> Decimal:
        return self.amount * KG_PER[self.unit]


class Product(_In):
    hs_code: ProductHsCode
    description: Text = ""


class Costs(_In):
    """Build-up elements of Art 3.5 other than originating materials."""

    labour: Amount = Decimal(0)
    overhead: Amount = Decimal(0)
    profit: Amount = Decimal(0)
    other: Amount = Decimal(0)


class Deduction(_In):
    """A cost Art 3.5 allows to be deducted from a non-originating material's value — only
    with `evidence` (a document reference); without it nothing is deducted."""

    kind: DeductionKind
    amount: Amount
    evidence: Text | None = None


class Operations(_In):
    # Art 3.6: the user declares that only minimal operations were carried out.
    minimal_only: bool = False
    # Annex 3A "CR": the user declares a chemical reaction took place in the exporting Party.
    chemical_reaction: bool = False


class PsrOverride(_In):
    rule: RuleText
    reason: Text | None = None


# A BOM may hold 10^5 lines: each is validated into a slotted, frozen pydantic dataclass (no
# per-instance dict or fields-set), about a third faster than a model, read by attribute alike.
@pydantic_dataclass(slots=True, frozen=True, config=ConfigDict(extra="forbid"))
class Material:
    hs_code: HsCode
    value: Amount
    id: Ref | None = None
    description: Text | None = None
    origin_country: Country | None = None
    originating: bool = False
    proof: Text | None = None
    weight: Weight | Amount | None = None
    role: Role = "component"
    # A tuple: a mutable default would be copied for every instance, slow at 10^5 lines.
    deductions: tuple[Deduction, ...] = ()
    produced: AssessmentInput | None = None


class AssessmentInput(_In):
    agreement: Literal["RCEP"] = "RCEP"
    hs_edition: Literal["HS2012", "HS2017", "HS2022"]
    product: Product
    exporting_party: Country
    fob: Money
    weight: Weight | None = None
    costs: Costs | None = None
    wholly_obtained: bool = False
    operations: Operations = Operations()
    # The rule text alone is accepted too: "CTH" means {"rule": "CTH"} (see _override_text).
    psr_override: PsrOverride | None = Field(
        default=None, json_schema_extra=lambda schema: schema["anyOf"].insert(1, _RULE_TEXT)
    )
    materials: list[Material] = Field(default_factory=list)

    @field_validator("hs_edition", mode="before")
    @classmethod
    def _edition(cls, v):
        # "2022", "HS 2022" and "hs2022" all name HS2022; anything else fails the Literal
        if isinstance(v, str | int) and not isinstance(v, bool):
            try:
                return hs.edition_key(v)
            except hs.UnknownEdition:
                return v
        return v

    @field_validator("psr_override", mode="before")
    @classmethod
    def _override_text(cls, v):
        return {"rule": v} if isinstance(v, str) else v

    @field_validator("exporting_party")
    @classmethod
    def _rcep_party(cls, v: str) -> str:
        from originlink.rules.assess import rcep_parties

        if v not in rcep_parties():
            raise ValueError(f"{v} is not a Party to RCEP")
        return v


# --- output ----------------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class Reason(_Out):
    code: str
    article: str
    text: str


class RvcResult(_Out):
    build_down: str | None
    build_up: str | None
    vnm: str
    vom: str


@dataclass(slots=True)
class CtcResult:
    """One non-originating material against the CTC criterion (serialised with "from").
    A plain dataclass: an assessment may hold 10^5 of them, built without validation."""

    material: str
    from_: Annotated[str, Field(alias="from")]
    to: str
    level: str
    met: bool
    note: str | None = None


class DeMinimis(_Out):
    value_ratio: str | None
    weight_ratio: str | None
    applied: bool


class Intermediate(_Out):
    material: str
    assessment: Assessment


Verdict = Literal["originating", "not_originating", "undetermined"]


class Assessment(_Out):
    # None when the verdict is "undetermined" (no rule held: docs/rules.md, "The verdict").
    originating: bool | None
    verdict: Verdict
    criterion: str | None
    # For criterion ACU: the Annex 3A criterion cumulation helped meet (CTC, DMI or RVC); the
    # certificate's goods item carries it as `criterion_basis` (docs/model.md).
    criterion_basis: str | None = None
    # Box 12 shows the FOB value for the recommended criterion (RVC, or ACU through RVC).
    fob_required: bool = False
    criteria_met: list[str]
    rule: str | None
    rule_source: str | None
    rule_status: str  # found | correlated | override | unknown
    needs_confirmation: bool
    hs_code: str
    hs_edition: str
    rvc: RvcResult
    ctc: list[CtcResult]
    de_minimis: DeMinimis
    rcep_country_of_origin: str | None
    reasons: list[Reason]
    intermediates: list[Intermediate] = []

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self, indent: int | None = None) -> str:
        """The same as JSON text, written by pydantic's serializer (about twenty times faster
        than `json.dumps(to_json_dict())` on a 10,000-line BOM); non-ASCII kept as is."""
        return self.model_dump_json(by_alias=True, indent=indent)


class AssessmentInputError(ValueError):
    """Input that cannot be assessed; `problems` name each field (path) and what is wrong."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems) or "invalid input")

    def as_dict(self) -> dict:
        return {
            "error": "invalid_assessment_input",
            "problems": [p.model_dump() for p in self.problems],
        }


rebuild_dataclass(Material)
Intermediate.model_rebuild()
