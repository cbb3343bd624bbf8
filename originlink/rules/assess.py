"""Origin determination for one good under RCEP (Chapter 3; Art 2.6), explained step by step.

`assess(data)` validates the input once (pydantic), then works on plain values with exact
`Decimal` arithmetic. Every reason names the article it applies. Nested `produced` inputs (the
exporter's own intermediate materials) are assessed first (Art 3.12).

How the verdict is reached (details in docs/rules.md):
* Art 3.2(a) WO and 3.2(b) PE qualify whatever the product-specific rule says;
* Art 3.2(c): each alternative of the Annex 3A rule is tested four ways — without help, with
  de minimis (Art 3.7), with cumulation (Art 3.4), with both — and reported under the Box 10
  code of the least help it needed: the plain code (CTC / RVC / CR / WO), then DMI, then ACU;
* minimal operations (Art 3.6) stop every 3.2(c) alternative;
* `criteria_met` lists every code met in the order WO, PE, CTC, CR, DMI, RVC, ACU and
  `criterion` recommends the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache

from pydantic import ValidationError

from originlink.rules.language import (
    AllOf,
    AnyOf,
    Cr,
    Ctc,
    Rule,
    RuleSyntaxError,
    Rvc,
    Wo,
    alternatives,
    leaves,
    parse_rule,
)
from originlink.rules.models import (
    Assessment,
    AssessmentInput,
    AssessmentInputError,
    CtcResult,
    DeMinimis,
    Intermediate,
    Material,
    Problem,
    PsrOverride,
    Reason,
    RvcResult,
    Weight,
    format_path,
)
from originlink.rules.psr import PsrTable, dotted

# Recommendation order for `criterion` (why: docs/rules.md, "Which criterion is recommended").
CRITERIA_ORDER = ("WO", "PE", "CTC", "CR", "DMI", "RVC", "ACU")
DE_MINIMIS_PERCENT = Decimal(10)  # Art 3.7
TEXTILE_CHAPTERS = frozenset(f"{c:02d}" for c in range(50, 64))  # Art 3.7: weight test
MAX_BOM_DEPTH = 64
_ZERO = Decimal(0)
_SIX_DP = Decimal("0.000001")
_TWO_DP = Decimal("0.01")
_SHOW_IDS = 5
_LEVEL_WORD = {"CC": "chapter", "CTH": "heading", "CTSH": "subheading"}


@lru_cache(maxsize=1)
def rcep_parties() -> frozenset[str]:
    from originlink.reference import parties

    return frozenset(p.code for p in parties("RCEP"))


# --- formatting ------------------------------------------------------------------------------


def percent(num: Decimal, den: Decimal) -> str:
    """num/den as a percentage string: exact when it ends within 6 decimals (at least 2 shown,
    "60.00", "59.375"), otherwise cut (not rounded) to 6 decimals, so a value below a threshold
    is never displayed as reaching it. Verdicts never use this string."""
    q = num * 100 / den
    cut = q.quantize(_SIX_DP, rounding=ROUND_FLOOR)
    if cut != q:
        return format(cut, "f")
    return amount(cut.normalize())


def amount(d: Decimal) -> str:
    """An exact amount as a plain decimal string with at least two decimals."""
    if d.as_tuple().exponent > -2:  # type: ignore[operator]
        d = d.quantize(_TWO_DP)
    return format(d, "f")


def _ids(ids: list[str]) -> str:
    shown = ", ".join(ids[:_SHOW_IDS])
    return shown + (f" and {len(ids) - _SHOW_IDS} more" if len(ids) > _SHOW_IDS else "")


def _norm(code: str) -> str:
    return code.replace(".", "").strip()[:6]


_PATTERN_HELP = {
    "hs_code": "an HS code of 4 or 6 digits, dots allowed (e.g. 4407, 940360 or 9403.60)",
    "exporting_party": "a two-letter ISO 3166 country code in capitals (e.g. CN)",
    "origin_country": "a two-letter ISO 3166 country code in capitals (e.g. VN)",
    "currency": "a three-letter ISO 4217 currency code (e.g. USD)",
}
_FIELD_ARTICLE = {
    "fob": "Art 3.5",
    "value": "Art 3.5",
    "costs": "Art 3.5",
    "deductions": "Art 3.5",
    "exporting_party": "Art 2.6",
    "hs_code": "Annex 3A",
    "proof": "Art 3.4",
    "weight": "Art 3.7",
    "psr_override": "Annex 3A",
}


# --- entry points ----------------------------------------------------------------------------


def validate_input(data: Mapping | AssessmentInput) -> AssessmentInput:
    """Validate once; raise AssessmentInputError naming every bad field."""
    if isinstance(data, AssessmentInput):
        return data
    try:
        return AssessmentInput.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False):
            loc = tuple(err.get("loc", ()))
            path = format_path(loc)
            field = next((str(x) for x in reversed(loc) if isinstance(x, str)), "")
            msg = err["msg"]
            if err["type"] == "string_pattern_mismatch" and field in _PATTERN_HELP:
                msg = "expected " + _PATTERN_HELP[field]
            if "product" in loc and field == "hs_code":
                msg = msg.replace("4 or 6 digits", "6 digits")
            code = err["type"]
            if code == "recursion_loop":  # a dict that contains itself
                code, msg = "bom_cycle", "the bill of materials contains itself (a cycle)"
            article = _FIELD_ARTICLE.get(field) or (
                _FIELD_ARTICLE.get(str(loc[0])) if loc else None
            )
            problems.append(Problem(path=path, code=code, message=f"{path or 'input'}: {msg}", article=article))  # fmt: skip
        raise AssessmentInputError(problems) from None
    except RecursionError:
        problem = Problem(path="", code="bom_cycle", message="input refers to itself (cycle)")
        raise AssessmentInputError([problem]) from None


def assess(data: Mapping | AssessmentInput, *, table: PsrTable | None = None) -> Assessment:
    """Assess one good. Raises AssessmentInputError for input that cannot be assessed
    (bad fields, BOM cycles, deductions above a material's value, unreadable override)."""
    inp = validate_input(data)
    return _assess(inp, table if table is not None else PsrTable.load(), (), "")


def _fail(path: str, code: str, message: str, article: str | None = None):
    raise AssessmentInputError([Problem(path=path, code=code, message=message, article=article)])


# --- the rule --------------------------------------------------------------------------------


class _RuleInfo:
    __slots__ = ("node", "text", "source", "status", "needs_confirmation")

    def __init__(self, node, text, source, status, needs_confirmation=False):
        self.node: Rule | None = node
        self.text: str | None = text
        self.source: str | None = source
        self.status: str = status
        self.needs_confirmation: bool = needs_confirmation


def _resolve_rule(inp: AssessmentInput, product: str, table: PsrTable, loc: str, reasons):
    where = f"{inp.agreement} {inp.hs_edition} {dotted(product)}"
    found = table.lookup(inp.agreement, inp.hs_edition, product)
    if inp.psr_override is not None:
        ov = inp.psr_override
        ov = ov if isinstance(ov, PsrOverride) else PsrOverride(rule=ov)
        try:
            node = parse_rule(ov.rule)
        except RuleSyntaxError as exc:
            path = loc + (
                "psr_override.rule" if isinstance(inp.psr_override, PsrOverride) else "psr_override"
            )
            _fail(
                path,
                "rule_syntax",
                f"{path}: {exc.problem} at character {exc.position + 1} of {ov.rule!r}",
                "Annex 3A",
            )
        replaced = (
            f"the table rule {found.row.rule!r} ({found.row.describe()})"
            if found.row
            else "no table rule (none is held for this code)"
        )
        why = f" because: {ov.reason}" if ov.reason else ""
        reasons.append(Reason(code="PSR_OVERRIDE", article="Annex 3A", text=f"Rule for {where} overridden for this assessment with {ov.rule!r}{why}; it replaces {replaced}."))  # fmt: skip
        return _RuleInfo(node, ov.rule, f"override given with this assessment{why}", "override")
    row = found.row
    if found.status == "unknown":
        seen = ""
        if found.candidates:
            pairs = ", ".join(f"{dotted(c)} ({r})" for c, r in found.candidates[:6])
            seen = f" Its HS 2012 correlation ({pairs}) is not one code, so no HS 2012 row is used."
        text = (
            f"No Annex 3A rule is held for {where}: the shipped table is partial.{seen} Without a "
            "rule the good can qualify only as wholly obtained (Art 3.2(a)) or produced exclusively "
            "from originating materials (Art 3.2(b)). Import the official schedule "
            "(`originlink psr import`) or give `psr_override`."
        )
        reasons.append(Reason(code="PSR_UNKNOWN", article="Annex 3A; Art 3.2", text=text))
        return _RuleInfo(None, None, None, "unknown")
    assert row is not None
    if row.origin == "override":
        replaced = f"replacing {found.replaced.describe()}" if found.replaced else "no table row exists for it"
        text = f"Rule for {where}: {row.rule!r} from a {row.describe()}; {replaced}."
        reasons.append(Reason(code="PSR_OVERRIDE", article="Annex 3A", text=text))
        if found.status == "override":
            return _RuleInfo(row.node, row.rule, f"company override: {row.source}", "override")
    if found.status == "correlated":
        code2012, rel = found.correlated_from  # type: ignore[misc]
        text = (
            f"No HS 2022 row is held for {dotted(product)}; the HS 2012 code {dotted(code2012)} "
            f"corresponds to it alone (UNSD correlation {rel}), and its {row.describe()} gives "
            f"{row.rule!r}. Please confirm this rule against the HS 2022 transposition of "
            "Annex 3A (RCEP Joint Committee, 30 June 2022) before relying on it."
        )
        reasons.append(Reason(code="PSR_CORRELATED", article="Annex 3A; headnote 9 (HS 2012)", text=text))  # fmt: skip
        source = f"{'company override: ' if row.origin == 'override' else ''}{row.source} (HS 2012 {row.hs_level} {dotted(row.hs_code)} via UNSD correlation {rel}; to be confirmed)"  # fmt: skip
        return _RuleInfo(row.node, row.rule, source, "correlated", True)
    reasons.append(Reason(code="PSR_FOUND", article="Annex 3A", text=f"Rule for {where}: {row.rule!r} ({row.describe()})."))  # fmt: skip
    return _RuleInfo(row.node, row.rule, row.source, "found")


# --- the assessment --------------------------------------------------------------------------


class _Leaf:
    """Per-CTC-criterion tallies of materials that fail the change (Annex 3A; Art 3.7)."""

    __slots__ = ("node", "nf_n", "nf_value", "nf_kg", "nf_kg_missing", "cf_n", "cf_value", "cf_kg",
                 "cf_kg_missing", "results")  # fmt: skip

    def __init__(self, node: Ctc):
        self.node = node
        self.nf_n = self.cf_n = 0
        self.nf_value = self.cf_value = self.nf_kg = self.cf_kg = _ZERO
        self.nf_kg_missing = self.cf_kg_missing = False
        self.results: list[CtcResult] = []


def _weight_kg(w, product_weight: Weight | None) -> Decimal | None:
    if w is None:
        return None
    if isinstance(w, Weight):
        return w.kg
    return w * (Weight(amount=1, unit=product_weight.unit).kg if product_weight else 1)


def _assess(
    inp: AssessmentInput, table: PsrTable, path_ids: tuple[str, ...], loc: str
) -> Assessment:
    if len(path_ids) > MAX_BOM_DEPTH:
        _fail(
            loc,
            "bom_too_deep",
            f"{loc}: the bill of materials is deeper than {MAX_BOM_DEPTH} levels",
        )
    reasons: list[Reason] = []
    add = reasons.append
    product = _norm(inp.product.hs_code)
    fob = inp.fob.amount
    exp = inp.exporting_party
    parties = rcep_parties()
    rule = _resolve_rule(inp, product, table, loc, reasons)
    ctc_leaves = [_Leaf(n) for n in leaves(rule.node)] if rule.node is not None else []
    ctc_leaves = [lf for lf in ctc_leaves if isinstance(lf.node, Ctc)]
    textile = product[:2] in TEXTILE_CHAPTERS
    product_weight = inp.weight

    vnm = vom = cum_vnm = cum_vom = _ZERO
    wo_ok = True  # no non-originating and no other-Party material (Art 3.2(a), 3.3)
    pe_ok = True  # every material counted for PE originating (Art 3.2(b))
    pe_any = False
    party_value: dict[str, Decimal] = {}
    groups: dict[str, list[str]] = {}
    intermediates: list[Intermediate] = []
    seen: set[str] = set()

    for i, m in enumerate(inp.materials):
        m: Material
        mid = m.id if m.id is not None else f"materials[{i}]"
        if mid in seen:
            _fail(f"{loc}materials[{i}].id", "duplicate_id", f"{loc}materials[{i}].id: {mid!r} is used twice in one bill of materials")  # fmt: skip
        seen.add(mid)
        role = m.role
        if role == "transport_packing":
            groups.setdefault("transport", []).append(mid)
            continue
        value = m.value
        originating = m.originating
        country = m.origin_country
        if m.produced is not None:
            if mid in path_ids:
                chain = " -> ".join((*path_ids[path_ids.index(mid) :], mid))
                _fail(f"{loc}materials[{i}].produced", "bom_cycle", f"{loc}materials[{i}]: material {mid!r} is used to produce itself ({chain})", "Art 3.12")  # fmt: skip
            sub_loc = f"{loc}materials[{i}].produced."
            sub = _assess(m.produced, table, (*path_ids, mid), sub_loc)
            sub_code = _norm(m.produced.product.hs_code)
            if not sub_code.startswith(_norm(m.hs_code)):
                _fail(f"{sub_loc}product.hs_code", "hs_mismatch", f"{sub_loc}product.hs_code: {sub_code} is not the material's hs_code {m.hs_code}")  # fmt: skip
            intermediates.append(Intermediate(material=mid, assessment=sub))
            originating = sub.originating
            country = m.produced.exporting_party
            groups.setdefault("produced_orig" if originating else "produced_non", []).append(mid)
        if role == "indirect":  # Art 3.10: treated as originating, wherever it comes from
            vom += value
            groups.setdefault("indirect", []).append(mid)
            continue
        cumulated = False
        if originating:
            if country is None:
                originating = False
                groups.setdefault("no_country", []).append(mid)
            elif country != exp:
                if country not in parties:
                    originating = False
                    groups.setdefault("non_party", []).append(mid)
                elif m.proof:
                    cumulated = True
                    groups.setdefault("cumulated", []).append(mid)
                else:
                    originating = False
                    groups.setdefault("no_proof", []).append(mid)
        vnm_value = value
        if m.deductions:
            if originating:
                groups.setdefault("deduction_originating", []).append(mid)
            deducted = _ZERO
            for d in m.deductions:
                if d.evidence and d.evidence.strip():
                    deducted += d.amount
                else:
                    groups.setdefault("deduction_no_evidence", []).append(mid)
            if deducted > value:
                _fail(f"{loc}materials[{i}].deductions", "deductions_exceed_value", f"{loc}materials[{i}].deductions: evidenced deductions {amount(deducted)} exceed the value {amount(value)}", "Art 3.5")  # fmt: skip
            if deducted and not originating:
                groups.setdefault("deducted", []).append(mid)
            vnm_value = value - deducted
        if role == "retail_packaging":
            groups.setdefault("retail", []).append(mid)
        elif role == "accessory":
            groups.setdefault("accessory", []).append(mid)
        if originating:
            vom += value
            if cumulated:
                cum_vom += value
                cum_vnm += vnm_value
                wo_ok = False
            party_value[country] = party_value.get(country, _ZERO) + value  # type: ignore[index]
        else:
            vnm += vnm_value
            if role != "retail_packaging":
                wo_ok = pe_ok = False
        if role != "retail_packaging":
            pe_any = True
        if role != "component" or (originating and not cumulated):
            continue
        # Annex 3A CTC: only non-originating components (accessories and retail packaging are
        # disregarded, Art 3.8 and 3.9). Cumulated ones are tallied apart to detect ACU.
        code = _norm(m.hs_code)
        kg = _weight_kg(m.weight, product_weight) if textile else None
        for lf in ctc_leaves:
            n = lf.node.digits
            note = None
            if len(code) >= n:
                met = code[:n] != product[:n]
            elif code[: len(code)] != product[: len(code)]:
                met = True
            else:
                met = False
                note = f"code {code} is too short to show a change of {lf.node.level}"
            for ex in lf.node.exclusions:
                if ex.covers(code):
                    met, note = False, f"excluded by the rule: {ex}"
                    break
            if not met:
                if cumulated:
                    lf.cf_n += 1
                    lf.cf_value += vnm_value
                    if kg is None:
                        lf.cf_kg_missing = True
                    else:
                        lf.cf_kg += kg
                else:
                    lf.nf_n += 1
                    lf.nf_value += vnm_value
                    if kg is None:
                        lf.nf_kg_missing = True
                    else:
                        lf.nf_kg += kg
            if not cumulated:
                lf.results.append(CtcResult.model_construct(material=mid, from_=code, to=product, level=lf.node.level, met=met, note=note))  # fmt: skip

    _material_reasons(groups, exp, add)

    # --- RVC, both formulas (Art 3.5); compared exactly, never after rounding ---
    costs = inp.costs
    extra = (costs.labour + costs.overhead + costs.profit + costs.other) if costs else None
    build_down = percent(fob - vnm, fob)
    build_up = percent(vom + extra, fob) if extra is not None else None

    def rvc_met(threshold: Decimal, cum: bool) -> bool:
        v_nm = vnm if cum else vnm + cum_vnm
        v_om = vom if cum else vom - cum_vom
        if (fob - v_nm) * 100 >= threshold * fob:
            return True
        return extra is not None and (v_om + extra) * 100 >= threshold * fob

    # --- de minimis (Art 3.7): value for every good, weight for Chapters 50-63 ---
    pw = product_weight.kg if product_weight is not None else None

    def dmi_ok(lf: _Leaf, cum: bool) -> bool:
        value = lf.nf_value + (_ZERO if cum else lf.cf_value)
        if value * 100 <= DE_MINIMIS_PERCENT * fob:
            return True
        if not textile or not pw:
            return False
        if lf.nf_kg_missing or (not cum and lf.cf_kg_missing):
            return False
        return (lf.nf_kg + (_ZERO if cum else lf.cf_kg)) * 100 <= DE_MINIMIS_PERCENT * pw

    leaf_of = {id(lf.node): lf for lf in ctc_leaves}
    wo_met = inp.wholly_obtained and wo_ok
    cr_met = inp.operations.chemical_reaction

    def met(node: Rule, cum: bool, dmi: bool) -> bool:
        if isinstance(node, AnyOf):
            return any(met(o, cum, dmi) for o in node.options)
        if isinstance(node, AllOf):
            return all(met(p, cum, dmi) for p in node.parts)
        if isinstance(node, Ctc):
            lf = leaf_of[id(node)]
            if lf.nf_n + (0 if cum else lf.cf_n) == 0:
                return True
            return dmi and dmi_ok(lf, cum)
        if isinstance(node, Rvc):
            return rvc_met(node.threshold, cum)
        if isinstance(node, Wo):
            return wo_met
        if isinstance(node, Cr):
            return cr_met
        raise TypeError(node)

    codes: set[str] = set()
    if inp.wholly_obtained:
        if wo_ok:
            codes.add("WO")
            add(Reason(code="WO_MET", article="Art 3.2(a); Art 3.3", text="Declared wholly obtained or produced in the exporting Party, and no non-originating or other-Party material is used."))  # fmt: skip
        else:
            add(Reason(code="WO_NOT_MET", article="Art 3.2(a); Art 3.3", text="Declared wholly obtained, but the bill of materials holds non-originating or other-Party materials, so the good is not wholly obtained."))  # fmt: skip
    if pe_any and pe_ok:
        codes.add("PE")
        add(Reason(code="PE_MET", article="Art 3.2(b)", text="Produced exclusively from originating materials of one or more Parties (retail packaging, indirect materials and transport packing aside)."))  # fmt: skip
    elif pe_any:
        add(Reason(code="PE_NOT_MET", article="Art 3.2(b)", text="Not produced exclusively from originating materials: at least one material is non-originating or of undetermined origin."))  # fmt: skip

    minimal = inp.operations.minimal_only
    if rule.node is not None:
        for alt in alternatives(rule.node):
            code = _alt_code(alt)
            if met(alt, False, False):
                got = code
            elif met(alt, False, True):
                got = "DMI"
            elif met(alt, True, False) or met(alt, True, True):
                got = "ACU"
            else:
                got = None
            _alt_reasons(alt, got, leaf_of, fob, vnm, vom, cum_vnm, cum_vom, extra, build_down, build_up, rvc_met, dmi_ok, textile, pw, add)  # fmt: skip
            if got and not minimal:
                codes.add(got)
        if minimal:
            add(Reason(code="MINIMAL_OPERATIONS", article="Art 3.6", text="Declared: only minimal operations or processes were carried out in the exporting Party, which never confer origin; no Annex 3A criterion is counted."))  # fmt: skip

    criteria_met = [c for c in CRITERIA_ORDER if c in codes]
    originating = bool(criteria_met)
    criterion = criteria_met[0] if criteria_met else None

    # --- RCEP country of origin (Art 2.6) ---
    country_of_origin = None
    if originating:
        country_of_origin = exp
        if minimal and "WO" not in codes:
            best = max(party_value.values(), default=_ZERO)
            top = sorted(p for p, v in party_value.items() if v == best)
            if len(top) == 1:
                country_of_origin = top[0]
                add(Reason(code="COUNTRY_OF_ORIGIN", article="Art 2.6", text=f"Only minimal operations in {exp}: the RCEP country of origin is {top[0]}, the Party that contributed the highest value of originating materials ({amount(best)})."))  # fmt: skip
            else:
                country_of_origin = None
                add(Reason(code="COUNTRY_OF_ORIGIN_UNDETERMINED", article="Art 2.6", text=f"Only minimal operations in {exp} and no single Party contributed the highest value of originating materials ({', '.join(top) or 'none'}): the RCEP country of origin cannot be ascertained; the importing Party applies Art 2.6 (Box 11 '*' or '**')."))  # fmt: skip
        else:
            add(Reason(code="COUNTRY_OF_ORIGIN", article="Art 2.6", text=f"RCEP country of origin: {exp}, the exporting Party where the good is originating (the importing Party's Appendix requirements, if any, are not checked here)."))  # fmt: skip

    if originating:
        verdict = f"Originating under RCEP; criteria met: {', '.join(criteria_met)}; recommended for Box 10: {criterion} (order WO, PE, CTC, CR, DMI, RVC, ACU)."  # fmt: skip
    else:
        verdict = "Not originating under RCEP: no criterion of Art 3.2 is met."
    add(Reason(code="VERDICT", article="Art 3.2", text=verdict))

    # --- per-material CTC results and de minimis figures for the output ---
    shown = next((lf for lf in ctc_leaves if met(lf.node, True, True)), ctc_leaves[0] if ctc_leaves else None)  # fmt: skip
    value_ratio = weight_ratio = None
    if ctc_leaves:
        best = min(ctc_leaves, key=lambda lf: lf.nf_value)
        value_ratio = percent(best.nf_value, fob)
        if textile and pw and not best.nf_kg_missing:
            weight_ratio = percent(best.nf_kg, pw)
    return Assessment.model_construct(
        originating=originating,
        criterion=criterion,
        criteria_met=criteria_met,
        rule=rule.text,
        rule_source=rule.source,
        rule_status=rule.status,
        needs_confirmation=rule.needs_confirmation,
        hs_code=product,
        hs_edition=inp.hs_edition,
        rvc=RvcResult(build_down=build_down, build_up=build_up, vnm=amount(vnm), vom=amount(vom)),
        ctc=shown.results if shown else [],
        de_minimis=DeMinimis(
            value_ratio=value_ratio,
            weight_ratio=weight_ratio,
            applied="DMI" in codes and not minimal,
        ),  # fmt: skip
        rcep_country_of_origin=country_of_origin,
        reasons=reasons,
        intermediates=intermediates,
    )


def _alt_code(alt: Rule) -> str:
    """The Box 10 code an alternative is claimed under when it needs no help."""
    kinds = [type(n) for n in leaves(alt)]
    for kind, code in ((Ctc, "CTC"), (Rvc, "RVC"), (Cr, "CR"), (Wo, "WO")):
        if kind in kinds:
            return code
    raise TypeError(alt)


def _alt_reasons(alt, got, leaf_of, fob, vnm, vom, cum_vnm, cum_vom, extra, build_down, build_up, rvc_met, dmi_ok, textile, pw, add):  # fmt: skip
    """One reason per criterion of an alternative, then the alternative's outcome."""
    for node in leaves(alt):
        if isinstance(node, Ctc):
            lf = leaf_of[id(node)]
            failing = [r.material for r in lf.results if not r.met]
            if lf.nf_n == 0:
                extra_txt = " (materials of other Parties counted as originating, Art 3.4)" if lf.cf_n else ""  # fmt: skip
                add(Reason(code="CTC_MET", article="Annex 3A; Art 3.2(c)", text=f"{node}: every non-originating material changes {_LEVEL_WORD[node.level]} ({node.level}){extra_txt}."))  # fmt: skip
                continue
            add(Reason(code="CTC_NOT_MET", article="Annex 3A; Art 3.2(c)", text=f"{node}: {lf.nf_n} non-originating material(s) do not make the change ({_ids(failing)}), value {amount(lf.nf_value)}."))  # fmt: skip
            ratio = percent(lf.nf_value, fob)
            ok = dmi_ok(lf, True)
            weight_txt = ""
            if textile:
                if pw and not lf.nf_kg_missing:
                    weight_txt = f"; by weight {percent(lf.nf_kg, pw)} % of the good's weight (Chapters 50-63)"  # fmt: skip
                else:
                    weight_txt = "; the weight test (Chapters 50-63) needs the good's and these materials' weights"  # fmt: skip
            verdict = "within" if ok else "above"
            add(Reason(code="DE_MINIMIS_APPLIED" if ok else "DE_MINIMIS_EXCEEDED", article="Art 3.7", text=f"De minimis for {node}: the failing materials are {ratio} % of FOB{weight_txt}; {verdict} the 10 % allowance. De minimis relaxes only the CTC, and these materials still count in VNM."))  # fmt: skip
        elif isinstance(node, Rvc):
            ok = rvc_met(node.threshold, True)
            up = f", build-up {build_up} %" if build_up is not None else " (build-up not computed: no costs given)"  # fmt: skip
            formula = (
                f"build-down (FOB {amount(fob)} - VNM {amount(vnm)}) / FOB = {build_down} %{up}"
            )
            cum_txt = ""
            if cum_vnm or cum_vom:
                plain = percent(fob - vnm - cum_vnm, fob)
                cum_txt = f"; without cumulation (Art 3.4) build-down would be {plain} %"
            add(Reason(code="RVC_MET" if ok else "RVC_NOT_MET", article="Art 3.5; Annex 3A", text=f"{node}: {formula}; {'at least' if ok else 'below'} {node.threshold} %{cum_txt}. De minimis (Art 3.7) never relaxes an RVC."))  # fmt: skip
        elif isinstance(node, Cr):
            add(Reason(code="CR_DECLARED" if got else "CR_NOT_DECLARED", article="Annex 3A; Art 3.2(c)", text="Chemical reaction: " + ("declared by the user." if got else "not declared (operations.chemical_reaction).")))  # fmt: skip
        elif isinstance(node, Wo):
            add(Reason(code="WO_RULE", article="Annex 3A; Art 3.3", text="The rule requires the good to be wholly obtained: " + ("it is." if got else "it is not declared wholly obtained or uses non-originating materials.")))  # fmt: skip
    if got:
        how = {"DMI": " with de minimis (Art 3.7)", "ACU": " with cumulation (Art 3.4)"}.get(
            got, ""
        )
        add(Reason(code="ALTERNATIVE_MET", article="Annex 3A; Art 3.2(c)", text=f"Alternative {alt} is met{how}: Box 10 code {got}."))  # fmt: skip
    else:
        add(Reason(code="ALTERNATIVE_NOT_MET", article="Annex 3A; Art 3.2(c)", text=f"Alternative {alt} is not met."))  # fmt: skip


_GROUP_REASONS = {
    "transport": (
        "TRANSPORT_PACKING_IGNORED",
        "Art 3.8",
        "Packing and containers for transport are disregarded for every criterion, RVC included: {ids}.",
    ),  # fmt: skip
    "retail": (
        "RETAIL_PACKAGING",
        "Art 3.8",
        "Retail packaging classified with the good is disregarded for WO, PE and CTC but counted (as originating or not) in the RVC: {ids}.",
    ),  # fmt: skip
    "accessory": (
        "ACCESSORIES",
        "Art 3.9",
        "Accessories, spare parts, tools and manuals delivered with the good (customary, not invoiced separately) are disregarded for the CTC but counted in the RVC: {ids}.",
    ),  # fmt: skip
    "indirect": (
        "INDIRECT_MATERIALS",
        "Art 3.10",
        "Indirect materials are treated as originating, wherever they come from: {ids}.",
    ),  # fmt: skip
    "cumulated": (
        "CUMULATION",
        "Art 3.4",
        "Originating materials of other Parties, with proof, count as originating in {exp}: {ids}.",
    ),  # fmt: skip
    "no_proof": (
        "CUMULATION_NO_PROOF",
        "Art 3.4; Art 3.5",
        "Declared originating in another Party but without a proof reference: of undetermined origin, so non-originating: {ids}.",
    ),  # fmt: skip
    "non_party": (
        "NOT_FROM_A_PARTY",
        "Art 3.2; Art 3.4",
        "Declared originating but from a country that is not an RCEP Party: non-originating: {ids}.",
    ),  # fmt: skip
    "no_country": (
        "ORIGIN_UNDETERMINED",
        "Art 3.5",
        "Declared originating without an origin country: of undetermined origin, so non-originating: {ids}.",
    ),  # fmt: skip
    "deducted": (
        "VNM_DEDUCTIONS",
        "Art 3.5",
        "Evidenced freight, insurance, packing, duty, brokerage or waste costs are deducted from the VNM of: {ids}.",
    ),  # fmt: skip
    "deduction_no_evidence": (
        "DEDUCTION_WITHOUT_EVIDENCE",
        "Art 3.5",
        "Deductions without an evidence reference are not deducted: {ids}.",
    ),  # fmt: skip
    "deduction_originating": (
        "DEDUCTION_NOT_APPLICABLE",
        "Art 3.5",
        "Deductions apply only to non-originating materials; ignored for: {ids}.",
    ),  # fmt: skip
    "produced_orig": (
        "INTERMEDIATE_ORIGINATING",
        "Art 3.12",
        "Self-produced materials assessed first and found originating count as originating in full: {ids}.",
    ),  # fmt: skip
    "produced_non": (
        "INTERMEDIATE_NOT_ORIGINATING",
        "Art 3.12",
        "Self-produced materials assessed first and found not originating count as non-originating at their value: {ids}.",
    ),  # fmt: skip
}


def _material_reasons(groups: dict[str, list[str]], exp: str, add) -> None:
    for key, (code, article, text) in _GROUP_REASONS.items():
        ids = groups.get(key)
        if ids:
            add(Reason(code=code, article=article, text=text.format(ids=_ids(ids), exp=exp)))
