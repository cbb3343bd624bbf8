"""Parsing and cross-field validation of a certificate: every problem reported at once.

`parse_certificate` checks shape and types; `validate_certificate` checks the rules that relate
fields to each other and to reference data (agreement, Parties, HS nomenclature, dates);
`check_certificate` does both and never raises on bad input.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

import rfc8785
from pydantic import ValidationError

from originlink import hs, reference

from .certificate import DECLARATIONS, Certificate, add_months
from .problems import CertificateInvalid, Problem, problems_from_validation_error

MAX_INPUT_BYTES = 2 * 1024 * 1024  # a 500-item certificate is well under this


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    # Parsers disagree on which duplicate wins; refuse rather than sign an ambiguous document.
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f"key {key[:50]!r} appears twice in one object")
        out[key] = value
    return out


def _load_json(data: str | bytes) -> object:
    if len(data) > MAX_INPUT_BYTES:
        raise CertificateInvalid(
            [
                Problem(
                    path="",
                    code="too_large",
                    message=f"document is larger than {MAX_INPUT_BYTES} bytes",
                    article="Annex 3B",
                )
            ]
        )
    try:
        # JSON is read as the service reads a request body, so a file gets the same verdict
        # everywhere: a number with a fraction stays a binary float, which the model refuses
        # for every amount ("send amounts as decimal strings"); NaN and Infinity are not JSON.
        doc = json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_not_json)
    except _DuplicateKey as exc:
        raise CertificateInvalid(
            [Problem(path="", code="duplicate_key", message=str(exc), article="Annex 3B")]
        ) from None
    except (ValueError, RecursionError) as exc:
        raise CertificateInvalid(
            [
                Problem(
                    path="",
                    code="bad_json",
                    message=f"document is not valid JSON: {str(exc)[:200]}",
                    article="Annex 3B",
                )
            ]
        ) from None
    try:
        # I-JSON (RFC 7493), which is what can be canonicalised and signed (RFC 8785):
        # integers within +-2^53 — as the service requires of every request.
        rfc8785.dumps(doc)
    except RecursionError:
        raise CertificateInvalid(
            [Problem(path="", code="too_deep", message="document nests too deeply", article=_ART)]
        ) from None
    except rfc8785.CanonicalizationError as exc:
        message = f"document is JSON but not I-JSON (RFC 7493): {exc}; send amounts as strings"
        raise CertificateInvalid(
            [Problem(path="", code="unsupported_json", message=message, article=_ART)]
        ) from None
    return doc


_ART = "Annex 3B"


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_certificate(data: dict | str | bytes | Certificate) -> Certificate:
    """Build a Certificate from a dict or JSON text; raises CertificateInvalid with every
    shape/type problem found (unknown fields, wrong types, too-long strings, bad codes)."""
    if isinstance(data, Certificate):
        return data
    if isinstance(data, str | bytes | bytearray):
        data = _load_json(bytes(data) if isinstance(data, bytearray) else data)
    if not isinstance(data, dict):
        raise CertificateInvalid(
            [
                Problem(
                    path="",
                    code="bad_type",
                    message="document must be a JSON object",
                    article="Annex 3B",
                )
            ]
        )
    try:
        return Certificate.model_validate(data)
    except ValidationError as exc:
        raise CertificateInvalid(problems_from_validation_error(exc)) from None
    except RecursionError:
        raise CertificateInvalid(
            [
                Problem(
                    path="",
                    code="too_deep",
                    message="document nests too deeply",
                    article="Annex 3B",
                )
            ]
        ) from None


def check_certificate(
    data: dict | str | bytes | Certificate, *, today: date | None = None
) -> tuple[Certificate | None, list[Problem]]:
    """Parse + cross-field validation. Never raises on bad input."""
    try:
        cert = parse_certificate(data)
    except CertificateInvalid as exc:
        return None, exc.problems
    return cert, validate_certificate(cert, today=today)


def validate_certificate(cert: Certificate, *, today: date | None = None) -> list[Problem]:
    """Cross-field rules (empty list = valid). Checks that depend on the current date (issued in
    the future, expired) run only when `today` is given, so results are reproducible."""
    return _Checker(cert, today).run()


def _who(name: str, country: str) -> tuple[str, str]:
    """A company as compared across boxes: case and spacing of its name do not matter."""
    return (" ".join(name.casefold().split()), country)


class _Checker:
    def __init__(self, cert: Certificate, today: date | None):
        self.cert = cert
        self.today = today
        self.problems: list[Problem] = []
        self.agreement = reference.agreement(cert.agreement)

    def add(self, path: str, code: str, message: str, article: str) -> None:
        self.problems.append(Problem(path=path, code=code, message=message, article=article))

    def art(self, key: str) -> str:
        return self.agreement.article(key) if self.agreement else "Annex 3B"

    def run(self) -> list[Problem]:
        if self.agreement is None:
            known = ", ".join(reference.agreement_codes())
            self.add(
                "agreement",
                "unknown_agreement",
                f"agreement: {self.cert.agreement!r} is not a known agreement ({known})",
                "Annex 3B",
            )
            return self.problems
        self.check_document_type()
        self.check_parties()
        self.check_producer()
        self.check_goods()
        self.check_dates()
        self.check_retroactive()
        self.check_certified_true_copy()
        self.check_back_to_back()
        self.check_invoices()
        return self.problems

    # --- document kind (Art 3.16, 3.18, Annex 3B) ----------------------------------------
    def check_document_type(self) -> None:
        c, a = self.cert, self.agreement
        if c.document_type not in a.document_types:
            self.add(
                "document_type",
                "document_type_not_allowed",
                f"document_type: {a.code} has no {c.document_type}",
                self.art("content"),
            )
        if c.document_type == "certificate_of_origin" and c.certification is None:
            self.add(
                "certification",
                "certification_required",
                "certification: a Certificate of Origin needs the issuing body's certification "
                "(Box 16)",
                f"{self.art('content')}; Form RCEP Box 16",
            )
        if c.document_type not in DECLARATIONS:
            return
        if c.certification is not None:
            self.add(
                "certification",
                "certification_not_allowed",
                "certification: a Declaration of Origin carries no issuing-body certification",
                f"{self.art('declaration_of_origin')}; {self.art('content')}",
            )
        if c.exporter_declaration.date != c.issue_date:
            self.add(
                "exporter_declaration.date",
                "declaration_date_mismatch",
                "exporter_declaration.date: a Declaration of Origin bears the date it was "
                f"completed, its issue date {c.issue_date.isoformat()}",
                f"{self.art('declaration_date')}; {self.art('validity')}",
            )
        if c.document_type == "declaration_of_origin":
            if not c.approved_exporter_code:
                self.add(
                    "approved_exporter_code",
                    "approved_exporter_code_required",
                    "approved_exporter_code: a Declaration of Origin by an approved exporter "
                    "carries its authorisation code",
                    f"{self.art('approved_exporter')}; Annex 3B 2(e)",
                )
        else:
            self.check_self_declaration()

    def check_self_declaration(self) -> None:
        """Art 3.16.1(c), 3.18.1(b): a Declaration of Origin by an exporter or producer, which
        each Party implements within 10 years of entry into force (Cambodia, Lao PDR, Myanmar:
        20), or later with a notified extension (Art 3.16.2, 3.16.3). Which Parties apply it
        is data (agreements.json) or configuration (docs/model.md); both ends must apply it."""
        c, a = self.cert, self.agreement
        if c.approved_exporter_code:
            self.add(
                "approved_exporter_code",
                "approved_exporter_code_not_allowed",
                "approved_exporter_code: a Declaration of Origin by an exporter or producer "
                "carries no authorisation code; one that does is a Declaration by an approved "
                "exporter (document_type declaration_of_origin)",
                f"{self.art('self_declaration')}; Annex 3B 2(e)",
            )
        for field in ("exporting_party", "importing_party"):
            code = getattr(c, field)
            if a.party(code) is None or a.applies_self_declaration(code):
                continue
            due = a.self_declaration_due(code)
            self.add(
                field,
                "self_declaration_not_applied",
                f"{field}: {code} is not known to apply Declarations of Origin by exporters or "
                f"producers yet (due by {due.isoformat() if due else '?'}, or later with a "
                "notified extension); use a Certificate of Origin or an approved exporter's "
                "Declaration, or configure the Parties that apply it",
                f"{self.art('self_declaration')}; {self.art('self_declaration_phase_in')}",
            )

    # --- Parties, agreement in force (Art 20.6, Annex 3B boxes 1, 2, 15) ------------------
    def check_parties(self) -> None:
        c, a = self.cert, self.agreement
        eif = self.art("entry_into_force")
        in_force = True
        for field in ("exporting_party", "importing_party"):
            code = getattr(c, field)
            party = a.party(code)
            if party is None:
                in_force = False
                self.add(
                    field,
                    "not_a_party",
                    f"{field}: {code} is not a Party to {a.code}",
                    eif,
                )
            elif c.issue_date < party.entry_into_force:
                in_force = False
                self.add(
                    field,
                    "agreement_not_in_force",
                    f"{field}: {a.code} entered into force for {code} on "
                    f"{party.entry_into_force.isoformat()}, after the issue date "
                    f"{c.issue_date.isoformat()}",
                    eif,
                )
        if c.exporting_party == c.importing_party:
            self.add(
                "importing_party",
                "same_party",
                "importing_party: must differ from exporting_party",
                self.art("content"),
            )
        elif in_force and not a.applies_between(c.exporting_party, c.importing_party):
            self.add(
                "importing_party",
                "agreement_not_applied_between_parties",
                f"importing_party: {c.importing_party} and {c.exporting_party} do not apply "
                f"{a.code} to each other",
                eif,
            )
        if c.exporter.country != c.exporting_party:
            self.add(
                "exporter.country",
                "exporter_not_in_exporting_party",
                f"exporter.country: {c.exporter.country} is not the exporting Party "
                f"{c.exporting_party}",
                f"{self.art('content')}; Form RCEP Box 1",
            )
        if c.importer.country != c.importing_party:
            self.add(
                "importer.country",
                "importer_not_in_importing_party",
                f"importer.country: {c.importer.country} is not the importing Party "
                f"{c.importing_party}",
                f"{self.art('content')}; Form RCEP Box 2",
            )
        if c.exporter_declaration.importing_country != c.importing_party:
            self.add(
                "exporter_declaration.importing_country",
                "declaration_country_mismatch",
                "exporter_declaration.importing_country: must be the importing Party "
                f"{c.importing_party}",
                f"{self.art('content')}; Form RCEP Box 15",
            )
        if c.exporter_declaration.date > c.issue_date:
            self.add(
                "exporter_declaration.date",
                "declaration_after_issue",
                "exporter_declaration.date: the exporter's declaration cannot be dated after "
                "the issue date",
                f"{self.art('content')}; Form RCEP Box 15",
            )
        certified_on = c.certified_true_copy.certified_on if c.certified_true_copy else None
        if c.certification is not None and c.certification.date not in (
            c.issue_date,
            certified_on,
        ):
            self.add(
                "certification.date",
                "certification_date_mismatch",
                "certification.date: the issuing body certifies on the issue date "
                f"{c.issue_date.isoformat()} (or, for a certified true copy, on certified_on)",
                f"{self.art('validity')}; Form RCEP Box 16",
            )

    # --- Box 3 ------------------------------------------------------------------------------
    def check_producer(self) -> None:
        c = self.cert
        box3 = f"{self.art('content')}; Form RCEP Box 3"
        if c.producer.kind == "party" and c.producer.party is None:
            self.add(
                "producer.party",
                "producer_party_required",
                "producer.party: name, address and country are required when kind is 'party'",
                box3,
            )
        if c.producer.kind != "party" and c.producer.party is not None:
            self.add(
                "producer.party",
                "producer_party_not_allowed",
                f"producer.party: must be empty when kind is {c.producer.kind!r}",
                box3,
            )
        for i, item in enumerate(c.goods_items):
            if c.producer.kind == "SEE BOX 8" and item.producer is None:
                self.add(
                    f"goods_items[{i}].producer",
                    "item_producer_required",
                    f"goods_items[{i}].producer: Box 3 says SEE BOX 8, so each item names its "
                    "producer",
                    f"{box3}, 8",
                )
            if c.producer.kind != "SEE BOX 8" and item.producer is not None:
                self.add(
                    f"goods_items[{i}].producer",
                    "item_producer_not_allowed",
                    f"goods_items[{i}].producer: only allowed when producer.kind is 'SEE BOX 8'",
                    f"{box3}, 8",
                )

    # --- Boxes 6-12 -------------------------------------------------------------------------
    def check_goods(self) -> None:
        c, a = self.cert, self.agreement
        seen: set[int] = set()
        for i, item in enumerate(c.goods_items):
            p = f"goods_items[{i}]"
            if item.item_number in seen:
                self.add(
                    f"{p}.item_number",
                    "duplicate_item_number",
                    f"{p}.item_number: {item.item_number} is used twice",
                    f"{self.art('content')}; Form RCEP Box 6",
                )
            seen.add(item.item_number)
            if item.hs_edition not in a.hs_editions:
                self.add(
                    f"{p}.hs_edition",
                    "hs_edition_not_allowed",
                    f"{p}.hs_edition: {a.code} does not use {item.hs_edition}",
                    f"{self.art('content')}; Form RCEP Box 9",
                )
            elif not hs.is_valid(item.hs_code, item.hs_edition):
                self.add(
                    f"{p}.hs_code",
                    "hs_code_unknown",
                    f"{p}.hs_code: {hs.format(item.hs_code)} is not a subheading of "
                    f"{hs.edition_name(item.hs_edition)}",
                    f"{self.art('content')}; Form RCEP Box 9",
                )
            if item.origin_criterion not in a.criteria:
                self.add(
                    f"{p}.origin_criterion",
                    "unknown_origin_criterion",
                    f"{p}.origin_criterion: {item.origin_criterion!r} is not one of "
                    f"{', '.join(a.criteria)}",
                    f"{self.art('criteria')}; Form RCEP Box 10",
                )
            self.check_fob(p, item)
            coo_art = f"{self.art('country_of_origin')}; Form RCEP Box 11"
            if a.party(item.country_of_origin) is None:
                self.add(
                    f"{p}.country_of_origin",
                    "country_of_origin_not_a_party",
                    f"{p}.country_of_origin: {item.country_of_origin} is not a Party to {a.code}",
                    coo_art,
                )
            if item.country_of_origin_marker not in a.country_of_origin_markers:
                self.add(
                    f"{p}.country_of_origin_marker",
                    "marker_not_allowed",
                    f"{p}.country_of_origin_marker: not used by {a.code}",
                    coo_art,
                )
            self.check_evidence(p, item)

    def check_fob(self, p: str, item) -> None:
        """Annex 3B 1(k), 2(j) and the Form RCEP note to Box 12: the FOB value is shown where
        the RVC criterion was used to determine origin — an RVC claim, or an ACU claim reached
        through RVC — and may be shown otherwise (never an error; `originlink.classify` notes
        it). An ACU claim that does not say which criterion cumulation met (`criterion_basis`)
        may rest on RVC, so it shows FOB too."""
        a, code, basis = self.agreement, item.origin_criterion, item.criterion_basis
        art = f"{self.art('fob')}; {self.art('rvc')}"
        if basis is not None and code != "ACU":
            self.add(
                f"{p}.criterion_basis",
                "criterion_basis_only_for_acu",
                f"{p}.criterion_basis: names the criterion cumulation helped meet, so it goes "
                f"only with an ACU claim (Box 10 says {code})",
                f"{self.art('criteria')}; Form RCEP Box 10",
            )
            return
        if item.fob_value is not None:
            return
        if code in a.fob_required_criteria:
            why = f"the origin criterion is {code}"
        elif code == "ACU" and basis in (None, *a.fob_required_criteria):
            why = (
                "the ACU claim was reached through RVC"
                if basis
                else "the ACU claim does not say which criterion cumulation met "
                "(criterion_basis CTC, RVC or DMI): it may rest on RVC"
            )
        else:
            return
        self.add(
            f"{p}.fob_value",
            "fob_required_for_rvc",
            f"{p}.fob_value: required because {why}",
            art,
        )

    def check_evidence(self, p: str, item) -> None:
        ev = item.evidence
        if ev is None:
            return
        if ev.criterion != item.origin_criterion:
            self.add(
                f"{p}.evidence.criterion",
                "evidence_criterion_mismatch",
                f"{p}.evidence.criterion: {ev.criterion!r} differs from the origin criterion "
                f"{item.origin_criterion!r} claimed in Box 10",
                self.art("criteria"),
            )
        rvc = ev.rvc
        if rvc is None:
            return
        if item.origin_criterion == "RVC" and rvc.percentage < self.agreement.rvc_threshold:
            self.add(
                f"{p}.evidence.rvc.percentage",
                "rvc_below_threshold",
                f"{p}.evidence.rvc.percentage: {rvc.percentage} % is below "
                f"{self.agreement.rvc_threshold} %",
                self.art("rvc"),
            )
        # Build-down can be recomputed from what is stated: (FOB - VNM) / FOB x 100.
        if rvc.formula == "build_down" and rvc.fob and rvc.vnm is not None:
            computed = (rvc.fob - rvc.vnm) / rvc.fob * 100
            if abs(computed - rvc.percentage) >= Decimal("0.01"):
                self.add(
                    f"{p}.evidence.rvc.percentage",
                    "rvc_inconsistent",
                    f"{p}.evidence.rvc.percentage: {rvc.percentage} % does not match "
                    f"(FOB - VNM) / FOB x 100 = {computed.quantize(Decimal('0.01'))} %",
                    self.art("rvc"),
                )

    # --- validity (Art 3.16) -------------------------------------------------------------------
    def check_dates(self) -> None:
        c, today = self.cert, self.today
        art = self.art("validity")
        if today is None:
            return
        if c.issue_date > today:
            self.add(
                "issue_date",
                "issue_date_in_future",
                f"issue_date: {c.issue_date.isoformat()} is after today {today.isoformat()}",
                art,
            )
        elif today > c.valid_until:
            capped = " (the back-to-back original's expiry)" if c.back_to_back else ""
            self.add(
                "issue_date",
                "expired",
                f"issue_date: the proof of origin was valid until {c.valid_until.isoformat()}"
                f"{capped}; validity is one year from issue",
                f"{art}; {self.art('back_to_back')}" if c.back_to_back else art,
            )

    # --- retroactive issue (Art 3.17.8) ---------------------------------------------------
    def check_retroactive(self) -> None:
        """Art 3.17.8 is a rule for Certificates of Origin issued by an issuing body. A
        Declaration of Origin bears the date it was completed (Art 3.18.2(d)) and is never
        marked ISSUED RETROACTIVELY."""
        c = self.cert
        art = f"{self.art('retroactive')}; Form RCEP Box 17"
        if c.document_type in DECLARATIONS:
            if c.issued_retroactively:
                self.add(
                    "issued_retroactively",
                    "retroactive_mark_not_for_declaration",
                    "issued_retroactively: only a Certificate of Origin issued by an issuing body "
                    "is issued retroactively; a Declaration of Origin bears the date it was "
                    "completed",
                    f"{art}; {self.art('declaration_date')}",
                )
            return
        departure = c.transport.departure_date
        limit = add_months(departure, self.agreement.retroactive_limit_months)
        if c.issue_date > departure:
            if not c.issued_retroactively:
                self.add(
                    "issued_retroactively",
                    "retroactive_mark_required",
                    f"issued_retroactively: issued {c.issue_date.isoformat()}, after departure "
                    f"{departure.isoformat()}, so it must be marked ISSUED RETROACTIVELY",
                    art,
                )
            if c.issue_date > limit:
                self.add(
                    "issue_date",
                    "retroactive_too_late",
                    f"issue_date: {c.issue_date.isoformat()} is more than one year after "
                    f"departure {departure.isoformat()} (latest {limit.isoformat()})",
                    art,
                )
        elif c.issued_retroactively:
            self.add(
                "issued_retroactively",
                "retroactive_mark_unexpected",
                f"issued_retroactively: issued {c.issue_date.isoformat()}, not after departure "
                f"{departure.isoformat()}",
                art,
            )

    # --- certified true copy (Art 3.17.9) -------------------------------------------------
    def check_certified_true_copy(self) -> None:
        c, ctc = self.cert, self.cert.certified_true_copy
        if ctc is None:
            return
        art = f"{self.art('certified_true_copy')}; Form RCEP Box 14"
        if c.document_type in DECLARATIONS:
            self.add(
                "certified_true_copy",
                "certified_true_copy_not_for_declaration",
                "certified_true_copy: the issuing body certifies true copies of Certificates of "
                "Origin it issued; a Declaration of Origin has none",
                art,
            )
            return
        limit = add_months(c.issue_date, self.agreement.certified_true_copy_limit_months)
        if ctc.certified_on < c.issue_date:
            self.add(
                "certified_true_copy.certified_on",
                "copy_before_original",
                "certified_true_copy.certified_on: before the original's issue date "
                f"{c.issue_date.isoformat()}",
                art,
            )
        elif ctc.certified_on > limit:
            self.add(
                "certified_true_copy.certified_on",
                "copy_too_late",
                f"certified_true_copy.certified_on: more than one year after the original's "
                f"issue date {c.issue_date.isoformat()} (latest {limit.isoformat()})",
                art,
            )
        if ctc.original_number is not None and ctc.original_number != c.number:
            self.add(
                "certified_true_copy.original_number",
                "copy_number_mismatch",
                "certified_true_copy.original_number: a certified true copy keeps the "
                f"original's number; the document says {c.number!r}",
                art,
            )
        if ctc.original_issue_date is not None and ctc.original_issue_date != c.issue_date:
            self.add(
                "certified_true_copy.original_issue_date",
                "copy_date_mismatch",
                "certified_true_copy.original_issue_date: a certified true copy keeps the "
                f"original's issue date; the document says {c.issue_date.isoformat()}",
                art,
            )

    # --- back-to-back (Art 3.19) ----------------------------------------------------------
    def check_back_to_back(self) -> None:
        c, btb = self.cert, self.cert.back_to_back
        if btb is None:
            return
        art = f"{self.art('back_to_back')}; Form RCEP Boxes 14, 17"
        if btb.original_expiry_date < btb.original_issue_date:
            self.add(
                "back_to_back.original_expiry_date",
                "original_expiry_before_issue",
                "back_to_back.original_expiry_date: before the original's issue date",
                art,
            )
        original_limit = add_months(btb.original_issue_date, self.agreement.validity_months)
        if btb.original_expiry_date > original_limit:
            self.add(
                "back_to_back.original_expiry_date",
                "original_validity_too_long",
                "back_to_back.original_expiry_date: an original is valid one year from its "
                f"issue (until {original_limit.isoformat()})",
                f"{self.art('validity')}; {art}",
            )
        if c.issue_date < btb.original_issue_date or c.issue_date > btb.original_expiry_date:
            self.add(
                "issue_date",
                "original_not_valid_at_issue",
                "issue_date: a back-to-back proof is issued while the original is valid "
                f"({btb.original_issue_date.isoformat()} to "
                f"{btb.original_expiry_date.isoformat()})",
                art,
            )
        if btb.first_exporting_party == c.exporting_party:
            self.add(
                "back_to_back.first_exporting_party",
                "back_to_back_same_party",
                "back_to_back.first_exporting_party: a back-to-back proof is issued by an "
                "intermediate Party, not the first exporting Party",
                art,
            )
        if self.agreement.party(btb.first_exporting_party) is None:
            self.add(
                "back_to_back.first_exporting_party",
                "not_a_party",
                f"back_to_back.first_exporting_party: {btb.first_exporting_party} is not a "
                f"Party to {self.agreement.code}",
                art,
            )
        self.check_back_to_back_quantities(btb, art)
        self.check_back_to_back_origin(btb, art)

    def check_back_to_back_origin(self, btb, art: str) -> None:
        """Art 3.19.1(d): the goods are not processed in the intermediate Party, so each item
        keeps the RCEP country of origin of the original proof (Annex 3B 1(m), 2(l)): the one
        its original quantity names, else the first exporting Party's `first_country_of_origin`."""
        named: dict[tuple[str, str], set[str]] = defaultdict(set)
        for q in btb.original_quantities:
            if q.country_of_origin is not None:
                named[(q.hs_code, q.quantity.unit)].add(q.country_of_origin)
        for i, item in enumerate(self.cert.goods_items):
            allowed = named.get((item.hs_code, item.quantity.unit)) or {btb.first_country_of_origin}
            if item.country_of_origin not in allowed:
                p = f"goods_items[{i}].country_of_origin"
                self.add(
                    p,
                    "country_of_origin_changed",
                    f"{p}: {item.country_of_origin}, but the original proof gives "
                    f"{' or '.join(sorted(allowed))}; a back-to-back proof keeps the original's "
                    "RCEP country of origin (the goods are not processed in the intermediate "
                    "Party)",
                    f"{art}; Art 2.6; Form RCEP Box 11",
                )

    # --- third-party invoicing (Art 3.20) ---------------------------------------------------
    def check_invoices(self) -> None:
        """Art 3.20: a claim is not refused because the invoice was issued by someone other
        than the exporter or producer — provided the proof says so (Form RCEP Box 17 ticked, the
        invoicing company and its country in Box 14). An invoice whose recorded issuer is
        neither the exporter nor a producer therefore needs `third_party_invoicing`, naming
        that company."""
        c = self.cert
        art = f"{self.art('third_party_invoicing')}; Form RCEP Boxes 13, 14, 17"
        own = {_who(c.exporter.name, c.exporter.country)}
        if c.producer.party is not None:
            own.add(_who(c.producer.party.name, c.producer.party.country))
        own |= {_who(i.producer.name, i.producer.country) for i in c.goods_items if i.producer}
        third = [
            (i, inv.issuer)
            for i, inv in enumerate(c.invoices)
            if inv.issuer is not None and _who(inv.issuer.name, inv.issuer.country) not in own
        ]
        tpi = c.third_party_invoicing
        for i, issuer in third:
            p = f"invoices[{i}].issuer"
            where = (
                f"{issuer.country}, not a Party to {self.agreement.code}"
                if self.agreement.party(issuer.country) is None
                else issuer.country
            )
            if tpi is None:
                self.add(
                    "third_party_invoicing",
                    "third_party_invoicing_required",
                    f"third_party_invoicing: invoice {c.invoices[i].number} was issued by "
                    f"{issuer.name} ({where}), neither the exporter nor a producer: tick "
                    "third-party invoicing (Box 17) and name that company and its country "
                    "(Box 14)",
                    art,
                )
            elif _who(tpi.company_name, tpi.country) != _who(issuer.name, issuer.country):
                self.add(
                    p,
                    "third_party_invoicer_mismatch",
                    f"{p}: issued by {issuer.name} ({where}), but Box 14 names "
                    f"{tpi.company_name} ({tpi.country}) as the invoicing company",
                    art,
                )

    def check_back_to_back_quantities(self, btb, art: str) -> None:
        original: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for q in btb.original_quantities:
            original[(q.hs_code, q.quantity.unit)] += q.quantity.value
        used: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for q in btb.previously_issued_quantities:
            used[(q.hs_code, q.quantity.unit)] += q.quantity.value
        now: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        first_index: dict[tuple[str, str], int] = {}
        for i, item in enumerate(self.cert.goods_items):
            key = (item.hs_code, item.quantity.unit)
            now[key] += item.quantity.value
            first_index.setdefault(key, i)
        if not btb.original_quantities:
            self.add(
                "back_to_back.original_quantities",
                "original_quantities_required",
                "back_to_back.original_quantities: needed to check that the cumulative quantity "
                "stays within the original",
                art,
            )
            return
        for key, qty in now.items():
            hs, unit = key
            p = f"goods_items[{first_index[key]}].quantity"
            if key not in original:
                self.add(
                    p,
                    "not_on_original",
                    f"{p}: no quantity in {unit} of {hs} on the original proof of origin",
                    art,
                )
                continue
            total = used[key] + qty
            if total > original[key]:
                self.add(
                    p,
                    "quantity_exceeds_original",
                    f"{p}: previously issued {used[key]} + this {qty} = {total} {unit} of {hs} "
                    f"exceeds the original's {original[key]} {unit}",
                    art,
                )
