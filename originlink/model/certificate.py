"""The e-CO document: RCEP Certificate of Origin / Declaration of Origin (Annex 3B, Form RCEP).

Field names are a contract shared with the service, the verifier and the Odoo addon
(see docs/model.md). Each class names the Form RCEP box it carries. Only shape and types are
checked here; rules that relate several fields live in `validation.py` so that all problems are
reported together.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from originlink import reference

from .types import (
    Address,
    Amount,
    CountryCode,
    CurrencyCode,
    Description,
    DocDate,
    HsCode,
    LongText,
    Name,
    Percentage,
    Reference,
    ShortText,
    UnitCode,
)

SCHEMA_VERSION = "1"
MAX_GOODS_ITEMS = 500
MAX_LIST = 100

# Art 3.16.1: (a) a Certificate of Origin issued by an issuing body; (b) a Declaration of Origin
# by an approved exporter; (c) a Declaration of Origin by an exporter or producer (phased in).
DocumentType = Literal[
    "certificate_of_origin",
    "declaration_of_origin",
    "declaration_of_origin_by_exporter_or_producer",
]
DECLARATIONS = ("declaration_of_origin", "declaration_of_origin_by_exporter_or_producer")
# For an ACU claim: the Annex 3A criterion cumulation helped meet (DMI: a CTC with de minimis).
CriterionBasis = Literal["CTC", "RVC", "DMI"]
HsEdition = Literal["HS2012", "HS2017", "HS2022"]
ProducerKind = Literal["party", "SEE BOX 8", "CONFIDENTIAL", "NOT AVAILABLE"]
OriginMarker = Literal["", "*", "**"]


def add_months(day: date, months: int) -> date:
    """Same day `months` later; 29 Feb (or 31st) falls back to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=False)


class _Grown(_Model):
    """A part of the document that gained optional fields after schema version 1 was first
    signed. Those fields are left out of the output while empty, so a document that does not
    use them keeps its canonical JSON and digest (formats/canonical.py) byte for byte."""

    _ADDED: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _omit_empty_additions(self, handler):
        data = handler(self)
        for name in self._ADDED:
            if name in data and data[name] is None:
                del data[name]
        return data


class Party(_Model):
    """A named party with its address and country (Boxes 1, 2, 3)."""

    name: Name
    address: Address
    country: CountryCode


class Producer(_Model):
    """Box 3: the producer, or one of the Form RCEP's special values."""

    kind: ProducerKind = "party"
    party: Party | None = None


class Transport(_Model):
    """Box 4: means of transport and route."""

    departure_date: DocDate
    vessel_or_flight: ShortText | None = None
    port_of_discharge: ShortText | None = None


class Packages(_Model):
    """Box 8: number and kind of packages."""

    number: int = Field(ge=0, le=10**9)
    kind: ShortText


class Quantity(_Model):
    """Box 12: quantity or gross weight with its unit."""

    value: Amount
    unit: UnitCode


class Money(_Model):
    amount: Amount
    currency: CurrencyCode


class RvcEvidence(_Model):
    """RVC worked out by Art 3.5: build-down (FOB − VNM)/FOB or build-up (VOM + costs)/FOB."""

    formula: Literal["build_down", "build_up"]
    percentage: Percentage
    fob: Amount | None = None
    vnm: Amount | None = None
    vom: Amount | None = None
    currency: CurrencyCode | None = None


class MaterialOrigin(_Model):
    """Value of materials by country of origin (originating = counted as originating)."""

    country: CountryCode | None = None  # None: undetermined origin
    originating: bool
    value: Amount
    hs_code: HsCode | None = None
    description: Description | None = None


class OriginEvidence(_Model):
    """Why the goods item qualifies. Customs may receive this; public views never show it."""

    criterion: ShortText
    rule: LongText | None = None
    rule_source: LongText | None = None
    rvc: RvcEvidence | None = None
    materials: list[MaterialOrigin] = Field(default_factory=list, max_length=MAX_LIST)
    supplier_declarations: list[Reference] = Field(default_factory=list, max_length=MAX_LIST)
    notes: LongText | None = None


class GoodsItem(_Grown):
    """Boxes 6–12 for one item."""

    _ADDED = ("criterion_basis",)

    item_number: int = Field(ge=1, le=MAX_GOODS_ITEMS)
    marks: Description | None = None
    packages: Packages | None = None
    description: Description
    hs_code: HsCode
    hs_edition: HsEdition
    origin_criterion: str = Field(
        pattern=r"^[A-Z]{2,4}$",
        description="Box 10 code of the agreement; RCEP: WO, PE, CTC, RVC, CR, ACU, DMI",
    )
    country_of_origin: CountryCode
    country_of_origin_marker: OriginMarker = ""
    quantity: Quantity
    gross_weight: Quantity | None = None
    fob_value: Money | None = None
    criterion_basis: CriterionBasis | None = Field(
        default=None,
        description=(
            "For an ACU claim (Box 10): the Annex 3A criterion met with cumulation — CTC, RVC, "
            "or DMI (a CTC with de minimis). Where it is RVC (or not given), Box 12 shows the "
            "FOB value (Annex 3B)."
        ),
    )
    producer: Party | None = None
    evidence: OriginEvidence | None = None


class InvoiceIssuer(_Model):
    """Who issued an invoice, when it is not the exporter (Art 3.20)."""

    name: Name
    country: CountryCode


class Invoice(_Grown):
    """Box 13. `issuer`: the company that issued the invoice, when it is not the exporter; one
    that is neither the exporter nor a producer makes it third-party invoicing (Art 3.20)."""

    _ADDED = ("issuer",)
    number: Reference
    date: DocDate
    issuer: InvoiceIssuer | None = None


class ItemQuantity(_Grown):
    """A quantity of one HS subheading (back-to-back bookkeeping). `country_of_origin`: the
    RCEP country of origin the original proof gives these goods (Box 11), where it differs
    between its items; otherwise `first_country_of_origin` applies."""

    _ADDED = ("country_of_origin",)
    hs_code: HsCode
    quantity: Quantity
    country_of_origin: CountryCode | None = None


class BackToBack(_Model):
    """Box 14/17 data of a back-to-back proof of origin (Art 3.19)."""

    original_number: Reference
    original_issue_date: DocDate
    original_expiry_date: DocDate
    first_exporting_party: CountryCode
    first_country_of_origin: CountryCode
    approved_exporter_code: Reference | None = None
    original_quantities: list[ItemQuantity] = Field(default_factory=list, max_length=MAX_LIST)
    previously_issued_quantities: list[ItemQuantity] = Field(
        default_factory=list, max_length=MAX_LIST
    )


class ThirdPartyInvoicing(_Model):
    """Box 14 note and Box 17 tick for third-party invoicing (Art 3.20)."""

    company_name: Name
    country: CountryCode


class CertifiedTrueCopy(_Model):
    """Box 14 mark "CERTIFIED TRUE COPY" (Art 3.17.9). The copy carries the original's number and
    issue date; `original_number` / `original_issue_date`, when given, must match them."""

    certified_on: DocDate
    original_number: Reference | None = None
    original_issue_date: DocDate | None = None


class ExporterDeclaration(_Model):
    """Box 15."""

    importing_country: CountryCode
    place: ShortText
    date: DocDate
    signatory: Name


class OfficialUse(_Model):
    """Box 5: for official use by the importing Party's customs (preference given or not, and
    why). Exporters leave it null; customs' answers normally travel as status events."""

    preference_given: bool
    reason: LongText | None = None
    customs_office: Name | None = None
    decided_on: DocDate | None = None


class Certification(_Model):
    """Box 16: the issuing body's certification (Certificate of Origin only)."""

    issuing_body: Name
    place: ShortText
    date: DocDate
    signatory: Name


class Certificate(_Model):
    """An RCEP proof of origin: Certificate of Origin or Declaration of Origin."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    agreement: str = Field(default="RCEP", pattern=r"^[A-Z0-9_-]{2,20}$")
    document_type: DocumentType = "certificate_of_origin"
    number: Reference
    issue_date: DocDate
    exporting_party: CountryCode
    importing_party: CountryCode
    exporter: Party
    producer: Producer
    importer: Party
    transport: Transport
    goods_items: list[GoodsItem] = Field(min_length=1, max_length=MAX_GOODS_ITEMS)
    invoices: list[Invoice] = Field(default_factory=list, max_length=MAX_LIST)
    remarks: LongText | None = None
    back_to_back: BackToBack | None = None
    third_party_invoicing: ThirdPartyInvoicing | None = None
    issued_retroactively: bool = False
    certified_true_copy: CertifiedTrueCopy | None = None
    exporter_declaration: ExporterDeclaration
    certification: Certification | None = None
    approved_exporter_code: Reference | None = None
    official_use: OfficialUse | None = None

    @property
    def valid_until(self) -> date:
        """Last day of validity: issue date + one year (Art 3.16), and for a back-to-back proof
        never beyond the original's expiry (Art 3.19). Derived, so never serialised."""
        agreement = reference.agreement(self.agreement)
        until = add_months(self.issue_date, agreement.validity_months if agreement else 12)
        if self.back_to_back is not None:
            until = min(until, self.back_to_back.original_expiry_date)
        return until

    def public_view(self) -> dict:
        from .public import public_view

        return public_view(self)

    def total_fob(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for item in self.goods_items:
            if item.fob_value:
                cur = item.fob_value.currency
                totals[cur] = totals.get(cur, Decimal(0)) + item.fob_value.amount
        return totals
