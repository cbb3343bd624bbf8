"""Classify an incoming certificate for review: a green, amber or red lane, with its reasons.

Validation (`originlink.model.validate_certificate`) decides whether a document may be issued at
all. Classification looks at a document that passes it and flags what a customs officer or a
careful exporter would still want to see: a claim the product-specific rule does not offer, RVC
figures that do not bear the claim out, an outdated HS edition, a proof close to expiry, the
special cases of Section B (retroactive, back-to-back, certified true copy, third-party
invoicing, low value). Every finding is a `Problem` with a stable code, the field's path and the
article it applies. Pure and deterministic: the same certificate, `today` and PSR table give the
same answer. The lane rules are in docs/classification.md.

    from originlink.classify import classify_certificate
    result = classify_certificate(cert, today=date(2026, 11, 25))   # -> Classification
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext
from typing import Literal

from pydantic import BaseModel, ConfigDict

from originlink import hs, reference
from originlink.model import Certificate, GoodsItem, Problem
from originlink.rules.assess import percent
from originlink.rules.language import Cr, Ctc, Rule, Rvc, leaves
from originlink.rules.psr import PsrTable

Lane = Literal["green", "amber", "red"]
Severity = Literal["info", "caution", "contradiction"]

EXPIRY_NOTICE_DAYS = 30  # flag a proof this close to the end of its validity (Art 3.16)
# From this date the HS 2022 transposition of Annex 3A applies (RCEP Joint Committee decision
# of 2022; China issues the HS 2022 Form RCEP from 1 Jan 2023), so HS 2012/2017 codes are stale.
HS2022_APPLIES_FROM = date(2023, 1, 1)
LOW_VALUE_LIMIT_USD = Decimal(200)  # Art 3.22: no proof of origin needed up to this value
RVC_TOLERANCE = Decimal("0.01")  # the same tolerance validation allows for a stated percentage

# The lane follows the most severe finding: contradiction -> red, caution -> amber, else green.
SEVERITY: dict[str, Severity] = {
    "rvc_recomputed_below_threshold": "contradiction",
    "rvc_figures_disagree": "contradiction",
    "psr_criterion_not_allowed": "caution",
    "hs_edition_outdated": "caution",
    "rvc_evidence_missing": "caution",
    "rvc_figures_missing": "caution",
    "rvc_materials_exceed_vnm": "caution",
    "expires_soon": "caution",
    "issued_retroactively": "caution",
    "back_to_back": "caution",
    "certified_true_copy": "caution",
    "psr_unknown": "info",
    "psr_correlated": "info",
    "psr_override": "info",
    "rvc_build_up_not_recomputable": "info",
    "third_party_invoicing": "info",
    "fob_shown_without_rvc": "info",
    "low_value_waiver_may_apply": "info",
}
_LANE_OF = {"contradiction": "red", "caution": "amber"}

# Box 10 codes that need an Annex 3A criterion of this kind (Art 3.2(c), 3.4, 3.7). WO and PE
# qualify whatever the product-specific rule says (Art 3.2(a), (b)), so they are not checked.
_NEEDS = {
    "CTC": (Ctc,),
    "DMI": (Ctc,),  # de minimis relaxes only a CTC criterion (Art 3.7)
    "RVC": (Rvc,),
    "CR": (Cr,),
    "ACU": (Ctc, Rvc),  # cumulation helps a CTC or an RVC criterion (Art 3.4)
}
_CLAIM_ARTICLE = {
    "CTC": "Annex 3A; Art 3.2(c)",
    "RVC": "Annex 3A; Art 3.2(c); Art 3.5",
    "CR": "Annex 3A; Art 3.2(c)",
    "DMI": "Annex 3A; Art 3.7",
    "ACU": "Annex 3A; Art 3.4",
}


class Classification(BaseModel):
    """`lane`: green (nothing of substance), amber (look closer), red (the certificate's own
    evidence contradicts its claim). `warnings`: every finding, in document order. `reasons`:
    why this lane, one line per finding that set it, each naming its article."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lane: Lane
    warnings: list[Problem]
    reasons: list[str]


def allowed_criteria(rule: Rule) -> set[str]:
    """Box 10 codes a rule can support: WO and PE always, others by the criteria it contains."""
    kinds = {type(node) for node in leaves(rule)}
    return {"WO", "PE"} | {code for code, need in _NEEDS.items() if kinds & set(need)}


def preload() -> None:
    """Read the shipped tables — the PSR schedule, the HS nomenclatures and their correlation —
    now, not in the first request that needs them (about 200 ms on the development machine).
    A long-running server calls this as a worker starts; Lambda does not (its cold start is
    the import alone)."""
    from originlink.rules import psr

    psr.PsrTable.shipped()
    for edition in hs.EDITIONS:
        hs.table(edition)
    hs.correlation()


def classify_certificate(
    cert: Certificate, *, today: date, table: PsrTable | None = None
) -> Classification:
    """Classify a certificate that passes `validate_certificate(cert, today=today)`. `table` is
    the PSR table to check claims against (default: `PsrTable.load()`, shipped + imported +
    overrides)."""
    finder = _Finder(cert, today, table if table is not None else PsrTable.load())
    with localcontext() as ctx:
        ctx.prec = 60  # amounts have at most 24 digits: products and quotients stay exact enough
        warnings = finder.run()
    return _decide(warnings)


def _decide(warnings: list[Problem]) -> Classification:
    severities = [SEVERITY[w.code] for w in warnings]
    for severity in ("contradiction", "caution"):
        if severity in severities:
            reasons = [
                f"{w.message} ({w.article})" for w in warnings if SEVERITY[w.code] == severity
            ]
            return Classification(lane=_LANE_OF[severity], warnings=warnings, reasons=reasons)
    notices = len(warnings)
    note = f"; {notices} informational notice(s)" if notices else ""
    return Classification(
        lane="green", warnings=warnings, reasons=[f"nothing of substance to flag{note}"]
    )


class _Finder:
    def __init__(self, cert: Certificate, today: date, table: PsrTable):
        self.cert, self.today, self.table = cert, today, table
        self.agreement = reference.agreement(cert.agreement)
        self.found: list[Problem] = []

    def add(self, path: str, code: str, message: str, article: str) -> None:
        self.found.append(Problem(path=path, code=code, message=message, article=article))

    def art(self, key: str, default: str) -> str:
        return self.agreement.article(key) if self.agreement else default

    def run(self) -> list[Problem]:
        for i, item in enumerate(self.cert.goods_items):
            p = f"goods_items[{i}]"
            self.hs_edition(p, item)
            self.psr(p, item)
            self.fob_shown(p, item)
            if item.origin_criterion == "RVC":
                self.rvc(p, item)
        self.expiry()
        self.special_cases()
        self.low_value()
        return self.found

    # --- Box 9: HS edition ------------------------------------------------------------------
    def hs_edition(self, p: str, item: GoodsItem) -> None:
        if self.cert.issue_date >= HS2022_APPLIES_FROM and item.hs_edition != "HS2022":
            self.add(
                f"{p}.hs_edition",
                "hs_edition_outdated",
                f"{p}.hs_edition: {item.hs_edition} used on a proof issued "
                f"{self.cert.issue_date.isoformat()}; the HS 2022 transposition of the "
                f"product-specific rules applies from {HS2022_APPLIES_FROM.isoformat()}",
                "Annex 3A (HS 2022 transposition, RCEP Joint Committee); Form RCEP Box 9",
            )

    # --- Box 10 against the product-specific rule (Annex 3A) ----------------------------------
    def psr(self, p: str, item: GoodsItem) -> None:
        claim = item.origin_criterion
        if claim not in _NEEDS:
            return  # WO, PE: Art 3.2(a), (b) apply whatever the rule; others fail validation
        where = f"{self.cert.agreement} {item.hs_edition} {hs.format(item.hs_code)}"
        found = self.table.lookup(self.cert.agreement, item.hs_edition, item.hs_code)
        if found.row is None:
            self.add(
                f"{p}.origin_criterion",
                "psr_unknown",
                f"{p}.origin_criterion: no Annex 3A rule is held for {where} (the shipped table "
                f"is partial), so the claimed criterion {claim} could not be checked against it",
                "Annex 3A",
            )
            return
        row = found.row
        allowed = allowed_criteria(row.node)
        via = ""
        if found.status == "correlated":
            code2012, relationship = found.correlated_from  # type: ignore[misc]
            via = (
                f", reached through the HS 2012 code {hs.format(code2012)} (UNSD correlation "
                f"{relationship}; to be confirmed against the HS 2022 transposition)"
            )
        basis = item.criterion_basis if claim == "ACU" else None
        if basis is not None and basis not in allowed:
            self.add(
                f"{p}.criterion_basis",
                "psr_criterion_not_allowed",
                f"{p}.criterion_basis: ACU through {basis} is claimed, but the rule for {where} "
                f"is {row.rule!r} ({row.describe()}{via}), which supports only "
                f"{', '.join(sorted(allowed))}",
                _CLAIM_ARTICLE[basis],
            )
        elif claim not in allowed:
            self.add(
                f"{p}.origin_criterion",
                "psr_criterion_not_allowed",
                f"{p}.origin_criterion: {claim} is claimed, but the rule for {where} is "
                f"{row.rule!r} ({row.describe()}{via}), which supports only "
                f"{', '.join(sorted(allowed))}",
                _CLAIM_ARTICLE[claim],
            )
        elif row.origin == "override":  # a company's own rule is never applied silently
            replaced = f"; it replaces the {found.replaced.describe()}" if found.replaced else ""
            self.add(
                f"{p}.origin_criterion",
                "psr_override",
                f"{p}.origin_criterion: {claim} checked against the {row.describe()}{via}"
                f"{replaced}",
                "Annex 3A",
            )
        elif via:
            self.add(
                f"{p}.origin_criterion",
                "psr_correlated",
                f"{p}.origin_criterion: {claim} checked against {row.rule!r}{via}",
                "Annex 3A",
            )

    # --- Box 12: FOB shown where the Agreement does not ask for it --------------------------------
    def fob_shown(self, p: str, item: GoodsItem) -> None:
        """Annex 3B asks for the FOB value only where RVC was used; showing it otherwise is
        allowed (never an error), but it tells every reader of the proof the price."""
        if item.fob_value is None or self.agreement is None:
            return
        rvc = self.agreement.fob_required_criteria
        claim, basis = item.origin_criterion, item.criterion_basis
        if claim in rvc or (claim == "ACU" and basis in (None, *rvc)):
            return
        via = f" through {basis}" if claim == "ACU" else ""
        self.add(
            f"{p}.fob_value",
            "fob_shown_without_rvc",
            f"{p}.fob_value: shown although the claim ({claim}{via}) does not rest on RVC; "
            "Annex 3B asks for it only where RVC is used. Allowed, but everyone who receives "
            "the proof sees the price",
            self.art("fob", "Annex 3B; Form RCEP Box 12"),
        )

    # --- RVC evidence (Art 3.5) -----------------------------------------------------------------
    def rvc(self, p: str, item: GoodsItem) -> None:
        art = self.art("rvc", "Art 3.5")
        ev = item.evidence
        if ev is None or ev.rvc is None:
            where = f"{p}.evidence" if ev is None else f"{p}.evidence.rvc"
            self.add(
                where,
                "rvc_evidence_missing",
                f"{where}: RVC is claimed but no RVC working (FOB, VNM or VOM, percentage) is "
                "given, so the claim cannot be checked",
                f"{art}; Art 3.2(c)",
            )
            return
        rvc = ev.rvc
        q = f"{p}.evidence.rvc"
        threshold = self.agreement.rvc_threshold if self.agreement else Decimal(40)
        if rvc.formula == "build_up":
            if not rvc.fob or rvc.vom is None:
                self.missing(q, "build-up needs fob and vom", art)
                return
            self.add(
                q,
                "rvc_build_up_not_recomputable",
                f"{q}: build-up RVC cannot be recomputed from the certificate: labour, overhead, "
                f"profit and other costs are not carried; VOM / FOB alone is "
                f"{percent(rvc.vom, rvc.fob)} % of the stated {rvc.percentage} %",
                art,
            )
            return
        if not rvc.fob or rvc.vnm is None:
            self.missing(q, "build-down needs fob (above zero) and vnm", art)
            return
        fob, vnm = rvc.fob, rvc.vnm
        computed = (fob - vnm) * 100 / fob
        shown = f"(FOB {fob} - VNM {vnm}) / FOB x 100 = {percent(fob - vnm, fob)} %"
        if (fob - vnm) * 100 < threshold * fob:  # compared exactly, never after rounding
            self.add(
                f"{q}.percentage",
                "rvc_recomputed_below_threshold",
                f"{q}.percentage: {shown}, below the {threshold} % threshold (the stated "
                f"{rvc.percentage} % is not borne out)",
                art,
            )
        elif abs(computed - rvc.percentage) >= RVC_TOLERANCE:
            self.add(
                f"{q}.percentage",
                "rvc_figures_disagree",
                f"{q}.percentage: the stated {rvc.percentage} % disagrees with {shown}",
                art,
            )
        listed = sum((m.value for m in ev.materials if not m.originating), Decimal(0))
        if listed > vnm:
            self.add(
                f"{p}.evidence.materials",
                "rvc_materials_exceed_vnm",
                f"{p}.evidence.materials: non-originating materials listed total {listed}, more "
                f"than the stated VNM {vnm}; with them the RVC would be "
                f"{percent(fob - listed, fob)} % unless "
                "documented deductions (freight, insurance, packing, duties) explain the gap",
                art,
            )

    def missing(self, path: str, what: str, art: str) -> None:
        self.add(
            path,
            "rvc_figures_missing",
            f"{path}: the RVC working cannot be recomputed ({what})",
            art,
        )

    # --- validity (Art 3.16, 3.19) --------------------------------------------------------------
    def expiry(self) -> None:
        try:
            until = self.cert.valid_until
        except ValueError:  # issued in the calendar's last year: no expiry to speak of
            return
        days = (until - self.today).days
        if 0 <= days <= EXPIRY_NOTICE_DAYS:
            art = self.art("validity", "Art 3.16")
            if self.cert.back_to_back is not None:
                art += f"; {self.art('back_to_back', 'Art 3.19')}"
            self.add(
                "issue_date",
                "expires_soon",
                f"issue_date: the proof of origin is valid until {until.isoformat()}, "
                f"{days} day(s) from {self.today.isoformat()}",
                art,
            )

    # --- Section B special cases, Box 17 ----------------------------------------------------------
    def special_cases(self) -> None:
        c = self.cert
        if c.issued_retroactively:
            lag = (c.issue_date - c.transport.departure_date).days
            self.add(
                "issued_retroactively",
                "issued_retroactively",
                f"issued_retroactively: issued {c.issue_date.isoformat()}, {lag} day(s) after "
                f"departure {c.transport.departure_date.isoformat()}; customs may ask why",
                f"{self.art('retroactive', 'Art 3.17.8')}; Form RCEP Box 17",
            )
        btb = c.back_to_back
        if btb is not None:
            self.add(
                "back_to_back",
                "back_to_back",
                f"back_to_back: relies on the original proof {btb.original_number} of "
                f"{btb.original_issue_date.isoformat()} from {btb.first_exporting_party}; the "
                "original and the quantities already drawn on it may be checked",
                f"{self.art('back_to_back', 'Art 3.19')}; Form RCEP Boxes 14, 17",
            )
        copy = c.certified_true_copy
        if copy is not None:
            self.add(
                "certified_true_copy",
                "certified_true_copy",
                f"certified_true_copy: a copy certified on {copy.certified_on.isoformat()} of "
                f"proof {c.number}; make sure the original is not also presented",
                f"{self.art('certified_true_copy', 'Art 3.17.9')}; Form RCEP Box 14",
            )
        tpi = c.third_party_invoicing
        if tpi is not None:
            self.add(
                "third_party_invoicing",
                "third_party_invoicing",
                f"third_party_invoicing: invoiced by {tpi.company_name} ({tpi.country}); a "
                "preference may not be refused only because the invoice comes from a third "
                "party",
                f"{self.art('third_party_invoicing', 'Art 3.20')}; Form RCEP Boxes 14, 17",
            )

    # --- low-value consignments (Art 3.22) --------------------------------------------------------
    def low_value(self) -> None:
        items = self.cert.goods_items
        # FOB is on the form only for RVC items (Box 12), so the total is known only when every
        # item carries one, in US dollars.
        if not all(i.fob_value is not None and i.fob_value.currency == "USD" for i in items):
            return
        total = sum((i.fob_value.amount for i in items), Decimal(0))  # type: ignore[union-attr]
        if total <= LOW_VALUE_LIMIT_USD:
            self.add(
                "goods_items",
                "low_value_waiver_may_apply",
                f"goods_items: total FOB USD {total} is not above USD {LOW_VALUE_LIMIT_USD}; the "
                "importing Party may waive the proof of origin for a consignment of this customs "
                "value, unless it is one of a series split to avoid the requirement",
                "Art 3.22",
            )
