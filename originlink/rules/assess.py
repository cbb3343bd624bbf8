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
  `criterion` recommends the first;
* `verdict`: originating, not_originating — or undetermined where no Annex 3A rule is held and
  neither WO nor PE is met (no rule is not a "no");
* an intermediate that fails its own rule brings only its non-originating materials into the
  VNM (Art 3.5; roll-up under Art 3.12 is for those that qualify); de minimis values failing
  materials at CIF / first price, before the RVC's deductions (Art 3.7.1(a) -> Art 3.5.3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_FLOOR, Decimal, localcontext
from functools import lru_cache

from pydantic import ValidationError

from originlink import hs
from originlink.problems import Problem, format_path
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
    KG_PER,
    Assessment,
    AssessmentInput,
    AssessmentInputError,
    CtcResult,
    DeMinimis,
    Intermediate,
    Reason,
    RvcResult,
    Weight,
)
from originlink.rules.psr import PsrTable

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

_PATTERN_HELP = {
    "hs_code": "an HS code of 4 or 6 digits, dots or spaces allowed (e.g. 4407, 9403.60)",
    "exporting_party": "a two-letter ISO 3166 country code in capitals (e.g. CN)",
    "origin_country": "a two-letter ISO 3166 country code in capitals (e.g. VN)",
    "currency": "a three-letter ISO 4217 currency code (e.g. USD)",
}
# The article that needs a field; the innermost named field of a path decides, and anything
# else about the good and its materials falls under Art 3.2 (when a good is originating).
_FIELD_ARTICLE = {
    "fob": "Art 3.5",
    "value": "Art 3.5",
    "costs": "Art 3.5",
    "deductions": "Art 3.5",
    "exporting_party": "Art 2.6",
    "agreement": "Annex 3A",
    "hs_edition": "Annex 3A",
    "hs_code": "Annex 3A",
    "psr_override": "Annex 3A",
    "proof": "Art 3.4",
    "origin_country": "Art 3.4",
    "originating": "Art 3.4",
    "weight": "Art 3.7",
    "role": "Art 3.8; Art 3.9; Art 3.10",
    "wholly_obtained": "Art 3.3",
    "operations": "Art 3.6",
    "minimal_only": "Art 3.6",
    "chemical_reaction": "Annex 3A",
    "produced": "Art 3.12",
}
_DEFAULT_ARTICLE = "Art 3.2"


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


# --- entry points ----------------------------------------------------------------------------


def validate_input(data: Mapping | AssessmentInput) -> AssessmentInput:
    """Validate once; raise AssessmentInputError naming every bad field."""
    if isinstance(data, AssessmentInput):
        return data
    try:
        return AssessmentInput.model_validate(data)
    except ValidationError as exc:
        raise AssessmentInputError([_problem(e) for e in exc.errors(include_url=False)]) from None
    except RecursionError:
        problem = Problem(
            path="", code="bom_cycle", message="input refers to itself (cycle)", article="Art 3.12"
        )
        raise AssessmentInputError([problem]) from None


# Materials are validated as dataclasses (models.Material); the contract's codes are a model's.
_AS_MODEL = {
    "dataclass_type": ("model_type", "Input should be an object"),
    "unexpected_keyword_argument": ("extra_forbidden", "Extra inputs are not permitted"),
}


def _problem(err) -> Problem:
    loc = tuple(err.get("loc", ()))
    path = format_path(loc)
    field = next((str(x) for x in reversed(loc) if isinstance(x, str)), "")
    code, msg = err["type"], err["msg"]
    if code in _AS_MODEL:  # a material is a dataclass (speed); its errors read as a model's
        code, msg = _AS_MODEL[code]
    if code == "string_pattern_mismatch" and field in _PATTERN_HELP:
        msg = "expected " + _PATTERN_HELP[field]
        if loc[:1] == ("product",):
            msg = "expected an HS code of 6 digits, dots or spaces allowed (e.g. 9403.60)"
    elif code == "recursion_loop":  # a dict that contains itself
        code, msg = "bom_cycle", "the bill of materials contains itself (a cycle)"
    elif code == "recursion_depth_exceeded":  # nested `produced` far beyond any real BOM
        code, msg = "bom_too_deep", f"the bill of materials is deeper than {MAX_BOM_DEPTH} levels"
    named = (_FIELD_ARTICLE.get(x) for x in reversed(loc) if isinstance(x, str))
    article = next((a for a in named if a), _DEFAULT_ARTICLE)
    return Problem(path=path, code=code, message=f"{path or 'input'}: {msg}", article=article)


def assess(data: Mapping | AssessmentInput, *, table: PsrTable | None = None) -> Assessment:
    """Assess one good. Raises AssessmentInputError for input that cannot be assessed
    (bad fields, BOM cycles, deductions above a material's value, unreadable override)."""
    inp = validate_input(data)
    table = table if table is not None else PsrTable.load()
    with localcontext() as ctx:
        ctx.prec = 60  # inputs have at most 30 digits: sums and products stay exact
        return _assess(inp, table, (), "")[0]


def _fail(path: str, code: str, message: str, article: str):
    problem = Problem(path=path, code=code, message=f"{path}: {message}", article=article)
    raise AssessmentInputError([problem])


# --- the rule --------------------------------------------------------------------------------


class _RuleInfo:
    __slots__ = ("node", "text", "source", "status", "needs_confirmation")

    def __init__(self, node, text, source, status, needs_confirmation=False):
        self.node: Rule | None = node
        self.text: str | None = text
        self.source: str | None = source
        self.status: str = status
        self.needs_confirmation: bool = needs_confirmation


def _resolve_rule(inp: AssessmentInput, product: str, table: PsrTable, loc: str, add):
    where = f"{inp.agreement} {inp.hs_edition} {hs.format(product)}"
    found = table.lookup(inp.agreement, inp.hs_edition, product)
    row = found.row
    if inp.psr_override is not None:
        ov = inp.psr_override
        try:
            node = parse_rule(ov.rule)
        except RuleSyntaxError as exc:
            path = loc + "psr_override.rule"
            at = f"at character {exc.position + 1} of {ov.rule!r}"
            _fail(path, "rule_syntax", f"{exc.problem} {at}", "Annex 3A")
        replaced = f"the {row.describe()}" if row else "no table rule (none is held for this code)"
        why = f" because: {ov.reason}" if ov.reason else ""
        text = (
            f"Rule for {where} set by this assessment to {ov.rule!r}{why}; it replaces {replaced}."
        )
        add(Reason(code="PSR_OVERRIDE", article="Annex 3A", text=text))
        return _RuleInfo(node, ov.rule, f"override given with this assessment{why}", "override")
    if row is None:
        seen = ""
        if found.candidates:
            pairs = ", ".join(f"{hs.format(c)} ({r})" for c, r in found.candidates[:6])
            seen = f" Its HS 2012 correlation ({pairs}) is not one code, so no HS 2012 row is used."
        text = (
            f"No Annex 3A rule is held for {where}: the shipped table is partial.{seen} "
            "Without a rule the good can qualify only as wholly obtained (Art 3.2(a)) or "
            "produced exclusively from originating materials (Art 3.2(b)); if neither is met, "
            'the verdict is undetermined, not "not originating". Import the official '
            "schedule (`originlink psr import`) or give `psr_override`."
        )
        add(Reason(code="PSR_UNKNOWN", article="Annex 3A; Art 3.2", text=text))
        return _RuleInfo(None, None, None, "unknown")
    source = row.source
    if row.origin == "override":
        replaced = (
            f"replacing the {found.replaced.describe()}" if found.replaced else "no table row"
        )
        text = f"Rule for {where}: {row.rule!r} from a {row.describe()}; {replaced}."
        add(Reason(code="PSR_OVERRIDE", article="Annex 3A", text=text))
        source = f"company override: {row.source}"
    if found.status == "correlated":
        code2012, rel = found.correlated_from  # type: ignore[misc]
        text = (
            f"No HS 2022 row is held for {hs.format(product)}; the HS 2012 code "
            f"{hs.format(code2012)} corresponds to it alone (UNSD correlation {rel}), and its "
            f"{row.describe()} gives {row.rule!r}. Please confirm this rule against the HS 2022 "
            "transposition of Annex 3A (RCEP Joint Committee, 30 June 2022) before relying on it."
        )
        add(Reason(code="PSR_CORRELATED", article="Annex 3A; headnote 9 (HS 2012)", text=text))
        via = f"HS 2012 {row.hs_level} {hs.format(row.hs_code)} via UNSD correlation {rel}"
        return _RuleInfo(
            row.node, row.rule, f"{source} ({via}; to be confirmed)", "correlated", True
        )
    if row.origin != "override":
        add(
            Reason(
                code="PSR_FOUND", article="Annex 3A", text=f"Rule for {where}: {row.describe()}."
            )
        )
    return _RuleInfo(row.node, row.rule, source, found.status)


# --- the assessment --------------------------------------------------------------------------


class _Failing:
    """Materials failing one CTC criterion: how many, their value and their weight (Art 3.7)."""

    __slots__ = ("n", "value", "kg", "kg_missing")

    def __init__(self, n=0, value=_ZERO, kg=_ZERO, kg_missing=False):
        self.n, self.value, self.kg, self.kg_missing = n, value, kg, kg_missing

    def add(self, value: Decimal, kg: Decimal | None) -> None:
        self.n += 1
        self.value += value
        if kg is None:
            self.kg_missing = True
        else:
            self.kg += kg

    def __add__(self, other: _Failing) -> _Failing:
        return _Failing(
            self.n + other.n,
            self.value + other.value,
            self.kg + other.kg,
            self.kg_missing or other.kg_missing,
        )


class _Leaf:
    """Per-CTC-criterion tallies of the materials that fail the change (Annex 3A; Art 3.7).
    `nf`: non-originating materials; `cf`: other Parties' originating materials (counted
    apart to tell whether the CTC needed cumulation)."""

    __slots__ = ("node", "digits", "exclusions", "nf", "cf", "results", "prefix")

    def __init__(self, node: Ctc):
        self.node = node
        self.digits = node.digits
        self.exclusions = node.exclusions
        self.nf = _Failing()
        self.cf = _Failing()
        self.results: list[tuple[str, str, bool, str | None]] = []
        self.prefix = ""  # the good's code cut to this criterion's level


class _Tally:
    """Sums over the bill of materials of one good. `vnm` is after evidenced deductions (the
    RVC's VNM, Art 3.5.5); `nom` is the same materials at CIF or first ascertainable price
    (Art 3.5.3), as de minimis values them (Art 3.7.1(a)). `cum_*`: other Parties' originating
    materials, counted apart to tell whether a criterion needed cumulation (Art 3.4)."""

    __slots__ = (
        "vnm",
        "vom",
        "nom",
        "cum_vnm",
        "cum_vom",
        "cum_nom",
        "wo_ok",
        "pe_ok",
        "pe_any",
        "party_value",
    )

    def __init__(self):
        self.vnm = self.vom = self.nom = self.cum_vnm = self.cum_vom = self.cum_nom = _ZERO
        self.wo_ok = True  # no non-originating and no other-Party material (Art 3.2(a), 3.3)
        self.pe_ok = True  # every material counted for PE is originating (Art 3.2(b))
        self.pe_any = False
        self.party_value: dict[str, Decimal] = {}


def _weight_kg(w, product_weight: Weight | None) -> Decimal | None:
    if w is None or isinstance(w, Weight):
        return w.kg if w is not None else None
    # a bare number is in the good's own weight unit
    return w * KG_PER[product_weight.unit] if product_weight else w


def _assess(
    inp: AssessmentInput, table: PsrTable, path: tuple[str, ...], loc: str
) -> tuple[Assessment, _Tally]:
    if len(path) > MAX_BOM_DEPTH:
        msg = f"the bill of materials is deeper than {MAX_BOM_DEPTH} levels"
        _fail(loc, "bom_too_deep", msg, "Art 3.12")
    reasons: list[Reason] = []
    add = reasons.append
    product = inp.product.hs_code[:6]  # national digits beyond the subheading are ignored
    if product not in hs.table(inp.hs_edition):
        raise AssessmentInputError([_unknown_code(inp, loc, None)])
    fob = inp.fob.amount
    rule = _resolve_rule(inp, product, table, loc, add)
    ctc_leaves = [_Leaf(n) for n in leaves(rule.node) if isinstance(n, Ctc)] if rule.node else []
    textile = product[:2] in TEXTILE_CHAPTERS
    groups: dict[str, list[str]] = {}
    intermediates: list[Intermediate] = []
    t = _tally(inp, table, path, loc, product, textile, ctc_leaves, groups, intermediates)
    for key, (code, article, template) in _GROUP_REASONS.items():
        if groups.get(key):
            text = template.format(ids=_ids(groups[key]), exp=inp.exporting_party)
            add(Reason(code=code, article=article, text=text))

    # --- RVC, both formulas (Art 3.5); compared exactly, never after rounding ---
    costs = inp.costs
    extra = (costs.labour + costs.overhead + costs.profit + costs.other) if costs else None
    build_down = percent(fob - t.vnm, fob)
    build_up = percent(t.vom + extra, fob) if extra is not None else None

    def rvc_met(threshold: Decimal, cum: bool) -> bool:
        vnm = t.vnm if cum else t.vnm + t.cum_vnm
        vom = t.vom if cum else t.vom - t.cum_vom
        if (fob - vnm) * 100 >= threshold * fob:
            return True
        return extra is not None and (vom + extra) * 100 >= threshold * fob

    # --- de minimis (Art 3.7): by value for every good, by weight for Chapters 50-63 ---
    pw = inp.weight.kg if inp.weight is not None else None

    def dmi_ok(failing: _Failing) -> bool:
        if failing.value * 100 <= DE_MINIMIS_PERCENT * fob:
            return True
        if not textile or not pw or failing.kg_missing:
            return False
        return failing.kg * 100 <= DE_MINIMIS_PERCENT * pw

    leaf_of = {id(lf.node): lf for lf in ctc_leaves}
    wo_met = inp.wholly_obtained and t.wo_ok
    cr_met = inp.operations.chemical_reaction

    def met(node: Rule, cum: bool, dmi: bool) -> bool:
        if isinstance(node, AnyOf):
            return any(met(o, cum, dmi) for o in node.options)
        if isinstance(node, AllOf):
            return all(met(p, cum, dmi) for p in node.parts)
        if isinstance(node, Ctc):
            lf = leaf_of[id(node)]
            failing = lf.nf if cum else lf.nf + lf.cf  # without cumulation both fail
            return failing.n == 0 or (dmi and dmi_ok(failing))
        if isinstance(node, Rvc):
            return rvc_met(node.threshold, cum)
        return wo_met if isinstance(node, Wo) else cr_met

    codes: set[str] = set()
    acu_bases: set[str] = set()  # the criteria cumulation helped meet (Box 10 ACU)
    _wo_pe(inp, t, codes, add)
    minimal = inp.operations.minimal_only
    if rule.node is not None:
        explain = _Explainer(fob, t, build_down, build_up, rvc_met, dmi_ok, textile, pw, add)
        for alt in alternatives(rule.node):
            if met(alt, False, False):
                got = _alt_code(alt)
            elif met(alt, False, True):
                got = "DMI"
            elif met(alt, True, False):
                got = "ACU"
                acu_bases.add(_alt_code(alt))
            elif met(alt, True, True):
                got = "ACU"
                acu_bases.add("DMI")
            else:
                got = None
            explain.alternative(alt, got, leaf_of)
            if got and not minimal:
                codes.add(got)
        if minimal:
            text = (
                "Declared: only minimal operations or processes were carried out in the "
                "exporting Party; they never confer origin, so no Annex 3A criterion counts."
            )
            add(Reason(code="MINIMAL_OPERATIONS", article="Art 3.6", text=text))

    criteria_met = [c for c in CRITERIA_ORDER if c in codes]
    criterion = criteria_met[0] if criteria_met else None
    # An ACU claim rests on the basis that discloses least (no FOB unless RVC): Annex 3B asks
    # for the FOB value where RVC was used to determine origin, ACU through RVC included.
    basis = next((b for b in ("CTC", "DMI", "RVC") if b in acu_bases), None)
    basis = basis if criterion == "ACU" else None
    fob_required = criterion == "RVC" or basis == "RVC"
    verdict = _verdict(inp, product, rule, criteria_met, groups, add)
    originating = {"originating": True, "not_originating": False}.get(verdict)
    country = _country_of_origin(inp, t, codes, add) if originating else None

    # per-material CTC results of the first CTC criterion met (else the first), and de minimis
    shown = next((lf for lf in ctc_leaves if met(lf.node, True, True)), None)
    shown = shown or (ctc_leaves[0] if ctc_leaves else None)
    ctc = []
    if shown is not None:
        level = shown.node.level
        ctc = [
            CtcResult(mid, code, product, level, ok, note) for mid, code, ok, note in shown.results
        ]
    value_ratio = weight_ratio = None
    if ctc_leaves:
        best = min((lf.nf for lf in ctc_leaves), key=lambda f: f.value)
        value_ratio = percent(best.value, fob)
        if textile and pw and not best.kg_missing:
            weight_ratio = percent(best.kg, pw)
    result = Assessment.model_construct(
        originating=originating,
        verdict=verdict,
        criterion=criterion,
        criterion_basis=basis,
        fob_required=fob_required,
        criteria_met=criteria_met,
        rule=rule.text,
        rule_source=rule.source,
        rule_status=rule.status,
        needs_confirmation=rule.needs_confirmation,
        hs_code=product,
        hs_edition=inp.hs_edition,
        rvc=RvcResult(
            build_down=build_down, build_up=build_up, vnm=amount(t.vnm), vom=amount(t.vom)
        ),
        ctc=ctc,
        de_minimis=DeMinimis(
            value_ratio=value_ratio, weight_ratio=weight_ratio, applied="DMI" in codes
        ),
        rcep_country_of_origin=country,
        reasons=reasons,
        intermediates=intermediates,
    )
    return result, t


def _tally(inp, table, path, loc, product, textile, ctc_leaves, groups, intermediates) -> _Tally:
    """One pass over the materials: VNM/VOM, WO/PE facts, and CTC failures per criterion.
    This is the hot path (10^5 lines): sums kept in locals, plain attribute reads, no
    validation, one tuple per non-originating component and criterion."""
    t = _Tally()
    vnm = vom = nom = cum_vnm = cum_vom = cum_nom = _ZERO
    wo_ok = pe_ok = True
    pe_any = False
    party_value = t.party_value
    exp = inp.exporting_party
    parties = rcep_parties()
    product_weight = inp.weight
    for lf in ctc_leaves:
        lf.prefix = product[: lf.digits]
    seen: set[str] = set()
    nomenclature = hs.table(inp.hs_edition)
    unknown: list[int] = []
    for i, m in enumerate(inp.materials):
        # Without an id, a material is named by its path, which never repeats along a branch.
        mid = m.id if m.id is not None else f"{loc}materials[{i}]"
        if mid in seen:
            msg = f"{mid!r} is used twice in one BOM"
            _fail(f"{loc}materials[{i}].id", "duplicate_id", msg, _DEFAULT_ARTICLE)
        seen.add(mid)
        code = m.hs_code[:6]  # national digits beyond the subheading are ignored
        if code not in nomenclature:
            unknown.append(i)
        role = m.role
        if role == "transport_packing":  # Art 3.8: disregarded for everything
            groups.setdefault("transport", []).append(mid)
            continue
        value = m.value
        originating = m.originating
        country = m.origin_country
        content = None  # a failed intermediate's own tally: what of it is non-originating
        if m.produced is not None:
            sub, sub_t = _intermediate(m, mid, i, table, path, loc, intermediates)
            originating, country = sub.originating is True, m.produced.exporting_party
            if "WO" not in sub.criteria_met:
                wo_ok = False  # a good made from a non-WO intermediate is not WO (Art 3.3)
            if originating:
                groups.setdefault("produced_orig", []).append(mid)
            else:
                content = sub_t
                group = "produced_undetermined" if sub.verdict == "undetermined" else "produced_non"
                shown = f"{mid} (non-originating {amount(sub_t.vnm)} of {amount(value)})"
                groups.setdefault(group, []).append(shown)
                if m.deductions:
                    groups.setdefault("deduction_intermediate", []).append(mid)
        if role == "indirect":  # Art 3.10: treated as originating, wherever it comes from
            vom += value
            groups.setdefault("indirect", []).append(mid)
            continue
        cumulated = False
        if originating and country != exp:
            if country is None:
                originating = False
                groups.setdefault("no_country", []).append(mid)
            elif country not in parties:
                originating = False
                groups.setdefault("non_party", []).append(mid)
            elif m.proof:
                cumulated = True
                groups.setdefault("cumulated", []).append(f"{mid} ({country}, proof {m.proof})")
            else:
                originating = False
                groups.setdefault("no_proof", []).append(mid)
        if content is not None:
            # Art 3.5 (VNM is the value of non-originating *materials*) and Art 3.12 (roll-up
            # only for intermediates that qualify): a failed intermediate brings only its own
            # non-originating materials; the rest of its value is originating content.
            vnm_value, nom_value = content.vnm, content.nom
        elif m.deductions:
            vnm_value, nom_value = _deduct(m, mid, i, loc, originating, groups), value
        else:
            vnm_value = nom_value = value
        if role == "component":
            pe_any = True
        elif role == "retail_packaging":
            groups.setdefault("retail", []).append(mid)
        else:
            pe_any = True
            groups.setdefault("accessory", []).append(mid)
        if originating:
            vom += value
            if cumulated:
                cum_vom += value
                cum_vnm += vnm_value
                cum_nom += value
                wo_ok = False
            party_value[country] = party_value.get(country, _ZERO) + value
        else:
            vnm += vnm_value
            nom += nom_value
            if content is not None:
                vom += max(value - vnm_value, _ZERO)
                cum_vom += content.cum_vom
                cum_vnm += content.cum_vnm
                cum_nom += content.cum_nom
            if role != "retail_packaging":
                wo_ok = pe_ok = False
        if role != "component" or (originating and not cumulated) or not ctc_leaves:
            continue
        # Annex 3A CTC: non-originating components only (accessories and retail packaging are
        # disregarded, Art 3.8 and 3.9); other Parties' materials are tallied apart.
        kg = _weight_kg(m.weight, product_weight) if textile else None
        for lf in ctc_leaves:
            if lf.exclusions or len(code) < lf.digits:
                ok, note = _changes(code, product, lf)
            else:
                ok, note = code[: lf.digits] != lf.prefix, None
            if not ok:
                # Art 3.7.1(a): de minimis values these materials "pursuant to paragraph 3 of
                # Article 3.5" (CIF or first price), before the deductions of its paragraph 5.
                (lf.cf if cumulated else lf.nf).add(nom_value, kg)
                if content is not None and content.cum_nom:
                    lf.cf.value += content.cum_nom  # non-originating too without cumulation
            if not cumulated:
                lf.results.append((mid, code, ok, note))
    if unknown:
        raise AssessmentInputError([_unknown_code(inp, loc, i) for i in unknown])
    t.vnm, t.vom, t.nom, t.cum_vnm, t.cum_vom, t.cum_nom = vnm, vom, nom, cum_vnm, cum_vom, cum_nom
    t.wo_ok, t.pe_ok, t.pe_any = wo_ok, pe_ok, pe_any
    return t


def _verdict(inp, product: str, rule: _RuleInfo, criteria_met, groups, add) -> str:
    """Art 3.2: originating when a criterion is met. Otherwise "not originating" only where
    that can be decided: without an Annex 3A rule (or with a self-produced material whose own
    rule is missing) only WO and PE can be tested, so the answer is "undetermined" — unless
    minimal operations (Art 3.6) rule out every Annex 3A criterion anyway."""
    if criteria_met:
        text = (
            f"Originating under RCEP; criteria met: {', '.join(criteria_met)}; recommended for "
            f"Box 10: {criteria_met[0]} (order WO, PE, CTC, CR, DMI, RVC, ACU)."
        )
        add(Reason(code="VERDICT", article="Art 3.2", text=text))
        return "originating"
    minimal = inp.operations.minimal_only
    undetermined = groups.get("produced_undetermined")
    if rule.node is None and not minimal:
        where = f"{inp.agreement} {inp.hs_edition} {hs.format(product)}"
        text = (
            f"Undetermined: no Annex 3A rule is held for {where}, and without one only WO "
            "(Art 3.2(a)) and PE (Art 3.2(b)) can be tested, neither of which is met. This is "
            "not a finding that the good is not originating. To decide it, import the official "
            "schedule (`originlink psr import`), set a company override (`originlink psr "
            "override`) or give `psr_override` with this assessment."
        )
    elif undetermined and not minimal:
        text = (
            "Undetermined: no criterion is met while the self-produced material(s) "
            f"{_ids(undetermined)} count as non-originating only because their own origin is "
            "undetermined (no Annex 3A rule held for them). Give their rules (import the "
            "schedule or an override), then assess again."
        )
    else:
        text = "Not originating under RCEP: no criterion of Art 3.2 is met."
        if rule.node is None:
            text += (
                " No Annex 3A rule is held, but none is needed: only minimal operations were "
                "carried out (Art 3.6), so no Annex 3A criterion could confer origin."
            )
        add(Reason(code="VERDICT", article="Art 3.2", text=text))
        return "not_originating"
    add(Reason(code="VERDICT_UNDETERMINED", article="Art 3.2; Annex 3A", text=text))
    return "undetermined"


def _unknown_code(inp: AssessmentInput, loc: str, i: int | None) -> Problem:
    """A code that is not in the input's HS edition (`i`: a material's index, None: the product)."""
    path = f"{loc}product.hs_code" if i is None else f"{loc}materials[{i}].hs_code"
    code = inp.product.hs_code if i is None else inp.materials[i].hs_code
    edition = hs.edition_name(inp.hs_edition)
    message = f"{path}: {hs.format(code[:6])} is not in {edition} (the input's hs_edition)"
    return Problem(path=path, code="hs_code_unknown", message=message, article="Annex 3A")


def _changes(code: str, product: str, lf: _Leaf) -> tuple[bool, str | None]:
    """Does a material of `code` make the change the criterion asks for?"""
    n = lf.digits
    if len(code) >= n:
        ok, note = code[:n] != product[:n], None
    elif code != product[: len(code)]:
        ok, note = True, None
    else:
        ok, note = (
            False,
            f"code {code} is too short to show a change of {_LEVEL_WORD[lf.node.level]}",
        )
    if ok:
        for ex in lf.exclusions:
            if ex.covers(code):
                return False, f"excluded by the rule: {ex}"
    return ok, note


def _intermediate(m, mid, i, table, path, loc, intermediates) -> tuple[Assessment, _Tally]:
    """Assess a self-produced material first (Art 3.12); a cycle is an input error."""
    here = f"{loc}materials[{i}].produced"
    if mid in path:
        chain = " -> ".join((*path[path.index(mid) :], mid))
        _fail(
            here, "bom_cycle", f"material {mid!r} is used to produce itself ({chain})", "Art 3.12"
        )
    sub, sub_t = _assess(m.produced, table, (*path, mid), here + ".")
    sub_code = m.produced.product.hs_code[:6]
    if not sub_code.startswith(m.hs_code[:6]):
        msg = f"{sub_code} is not the material's hs_code {m.hs_code}"
        _fail(here + ".product.hs_code", "hs_mismatch", msg, "Art 3.12")
    intermediates.append(Intermediate(material=mid, assessment=sub))
    return sub, sub_t


def _deduct(m, mid, i, loc, originating, groups) -> Decimal:
    """VNM value after the deductions Art 3.5 allows — each only with evidence."""
    if originating:
        groups.setdefault("deduction_originating", []).append(mid)
    deducted = _ZERO
    for d in m.deductions:
        if d.evidence and d.evidence.strip():
            deducted += d.amount
        else:
            groups.setdefault("deduction_no_evidence", []).append(mid)
    if deducted > m.value:
        msg = f"evidenced deductions {amount(deducted)} exceed the value {amount(m.value)}"
        _fail(f"{loc}materials[{i}].deductions", "deductions_exceed_value", msg, "Art 3.5")
    if deducted and not originating:
        groups.setdefault("deducted", []).append(mid)
    return m.value - deducted


def _wo_pe(inp: AssessmentInput, t: _Tally, codes: set[str], add) -> None:
    """Art 3.2(a) and (b): they qualify whatever the product-specific rule says."""
    if inp.wholly_obtained:
        _criterion(
            codes,
            add,
            "WO",
            "Art 3.2(a); Art 3.3",
            t.wo_ok,
            "Declared wholly obtained or produced in the exporting Party, and no "
            "non-originating or other-Party material is used.",
            "Declared wholly obtained, but the bill of materials holds non-originating or "
            "other-Party materials, so the good is not wholly obtained.",
        )
    if t.pe_any:
        _criterion(
            codes,
            add,
            "PE",
            "Art 3.2(b)",
            t.pe_ok,
            "Produced exclusively from originating materials of one or more Parties (retail "
            "packaging, indirect materials and transport packing aside).",
            "Not produced exclusively from originating materials: at least one material is "
            "non-originating or of undetermined origin.",
        )


def _criterion(codes: set[str], add, code: str, article: str, ok: bool, met: str, not_met: str):
    """Record whether a criterion is met, with its reason (`<code>_MET` / `<code>_NOT_MET`)."""
    if ok:
        codes.add(code)
    add(
        Reason(
            code=f"{code}_MET" if ok else f"{code}_NOT_MET",
            article=article,
            text=met if ok else not_met,
        )
    )


def _country_of_origin(inp: AssessmentInput, t: _Tally, codes: set[str], add):
    """Art 2.6: the exporting Party, except for a good that is originating without being wholly
    obtained there and underwent only minimal operations there: then the Party that
    contributed the highest value of originating materials."""
    exp = inp.exporting_party
    if not (inp.operations.minimal_only and "WO" not in codes):
        text = (
            f"RCEP country of origin: {exp}, the exporting Party where the good is originating "
            "(the importing Party's Appendix requirements, if any, are not checked here)."
        )
        add(Reason(code="COUNTRY_OF_ORIGIN", article="Art 2.6", text=text))
        return exp
    best = max(t.party_value.values(), default=_ZERO)
    top = sorted(p for p, v in t.party_value.items() if v == best)
    if len(top) == 1:
        text = (
            f"Only minimal operations in {exp}: the RCEP country of origin is {top[0]}, the Party "
            f"that contributed the highest value of originating materials ({amount(best)})."
        )
        add(Reason(code="COUNTRY_OF_ORIGIN", article="Art 2.6", text=text))
        return top[0]
    text = (
        f"Only minimal operations in {exp} and no single Party contributed the highest value of "
        f"originating materials ({', '.join(top) or 'none'}): the RCEP country of origin cannot "
        "be ascertained; the importing Party applies Art 2.6 (Box 11 '*' or '**')."
    )
    add(Reason(code="COUNTRY_OF_ORIGIN_UNDETERMINED", article="Art 2.6", text=text))
    return None


def _alt_code(alt: Rule) -> str:
    """The Box 10 code an alternative is claimed under when it needs no help."""
    kinds = [type(n) for n in leaves(alt)]
    for kind, code in ((Ctc, "CTC"), (Rvc, "RVC"), (Cr, "CR"), (Wo, "WO")):
        if kind in kinds:
            return code
    raise TypeError(alt)


class _Explainer:
    """Reasons for each criterion of an alternative, then the alternative's outcome."""

    def __init__(self, fob, t: _Tally, build_down, build_up, rvc_met, dmi_ok, textile, pw, add):
        self.fob, self.t, self.build_down, self.build_up = fob, t, build_down, build_up
        self.rvc_met: Callable[[Decimal, bool], bool] = rvc_met
        self.dmi_ok: Callable[[_Failing], bool] = dmi_ok
        self.textile, self.pw, self.add = textile, pw, add

    def alternative(self, alt: Rule, got: str | None, leaf_of: dict) -> None:
        for node in leaves(alt):
            if isinstance(node, Ctc):
                self.ctc(node, leaf_of[id(node)])
            elif isinstance(node, Rvc):
                self.rvc(node)
            elif isinstance(node, Cr):
                state = (
                    "declared by the user" if got else "not declared (operations.chemical_reaction)"
                )
                code = "CR_DECLARED" if got else "CR_NOT_DECLARED"
                self.add(Reason(code=code, article="Annex 3A; Art 3.2(c)", text=f"CR: {state}."))
            else:
                state = (
                    "it is" if got else "it is not declared so, or uses non-originating materials"
                )
                text = f"The rule requires the good to be wholly obtained: {state}."
                self.add(Reason(code="WO_RULE", article="Annex 3A; Art 3.3", text=text))
        article = "Annex 3A; Art 3.2(c)"
        if got:
            how = {"DMI": " with de minimis (Art 3.7)", "ACU": " with cumulation (Art 3.4)"}
            text = f"Alternative {alt} is met{how.get(got, '')}: Box 10 code {got}."
            self.add(Reason(code="ALTERNATIVE_MET", article=article, text=text))
        else:
            self.add(
                Reason(
                    code="ALTERNATIVE_NOT_MET",
                    article=article,
                    text=f"Alternative {alt} is not met.",
                )
            )

    def ctc(self, node: Ctc, lf: _Leaf) -> None:
        article = "Annex 3A; Art 3.2(c)"
        if lf.nf.n == 0:
            helped = " (other Parties' originating materials count as originating, Art 3.4)"
            change = f"{_LEVEL_WORD[node.level]} ({node.level})"
            text = f"{node}: every non-originating material changes {change}"
            self.add(
                Reason(
                    code="CTC_MET", article=article, text=text + (helped if lf.cf.n else "") + "."
                )
            )
            return
        failing = [mid for mid, _, ok, _ in lf.results if not ok]
        text = (
            f"{node}: {lf.nf.n} non-originating material(s) do not make the change "
            f"({_ids(failing)}), value {amount(lf.nf.value)}."
        )
        self.add(Reason(code="CTC_NOT_MET", article=article, text=text))
        weight = ""
        if self.textile and self.pw and not lf.nf.kg_missing:
            weight = f"; by weight {percent(lf.nf.kg, self.pw)} % of the good (Chapters 50-63)"
        elif self.textile:
            weight = "; the weight test (Chapters 50-63) needs the good's and these weights"
        ok = self.dmi_ok(lf.nf)
        text = (
            f"De minimis for {node}: the failing materials, at CIF or first ascertainable price "
            f"(Art 3.5.3, before deductions), are {percent(lf.nf.value, self.fob)} % of FOB"
            f"{weight}; {'within' if ok else 'above'} the 10 % allowance. De minimis relaxes "
            "only the CTC; these materials still count in the VNM."
        )
        code = "DE_MINIMIS_APPLIED" if ok else "DE_MINIMIS_EXCEEDED"
        self.add(Reason(code=code, article="Art 3.7", text=text))

    def rvc(self, node: Rvc) -> None:
        t, fob = self.t, self.fob
        ok = self.rvc_met(node.threshold, True)
        up = f", build-up {self.build_up} %" if self.build_up is not None else ""
        up = up or " (build-up not computed: no costs given)"
        text = f"{node}: build-down (FOB {amount(fob)} - VNM {amount(t.vnm)}) / FOB = "
        text += f"{self.build_down} %{up}; {'at least' if ok else 'below'} {node.threshold} %"
        if t.cum_vnm or t.cum_vom:
            plain = percent(fob - t.vnm - t.cum_vnm, fob)
            text += f"; without cumulation (Art 3.4) build-down would be {plain} %"
        text += ". De minimis (Art 3.7) never relaxes an RVC."
        self.add(
            Reason(code="RVC_MET" if ok else "RVC_NOT_MET", article="Art 3.5; Annex 3A", text=text)
        )


_GROUP_REASONS = {
    "transport": (
        "TRANSPORT_PACKING_IGNORED",
        "Art 3.8",
        "Packing and containers for transport are disregarded for every criterion, the RVC "
        "included: {ids}.",
    ),
    "retail": (
        "RETAIL_PACKAGING",
        "Art 3.8",
        "Retail packaging classified with the good is disregarded for WO, PE and CTC but "
        "counted (as originating or not) in the RVC: {ids}.",
    ),
    "accessory": (
        "ACCESSORIES",
        "Art 3.9",
        "Accessories, spare parts, tools and manuals delivered with the good (customary, not "
        "invoiced separately) are disregarded for the CTC but counted in the RVC: {ids}.",
    ),
    "indirect": (
        "INDIRECT_MATERIALS",
        "Art 3.10",
        "Indirect materials are treated as originating, wherever they come from: {ids}.",
    ),
    "cumulated": (
        "CUMULATION",
        "Art 3.4",
        "Originating materials of other Parties, with proof, count as originating in {exp}: {ids}.",
    ),
    "no_proof": (
        "CUMULATION_NO_PROOF",
        "Art 3.4; Art 3.5",
        "Declared originating in another Party but without a proof reference: of undetermined "
        "origin, so non-originating: {ids}.",
    ),
    "non_party": (
        "NOT_FROM_A_PARTY",
        "Art 3.2; Art 3.4",
        "Declared originating but from a country that is not an RCEP Party, so "
        "non-originating: {ids}.",
    ),
    "no_country": (
        "ORIGIN_UNDETERMINED",
        "Art 3.5",
        "Declared originating without an origin country: of undetermined origin, so "
        "non-originating: {ids}.",
    ),
    "deducted": (
        "VNM_DEDUCTIONS",
        "Art 3.5",
        "Evidenced freight, insurance, packing, duty, brokerage or waste costs are deducted "
        "from the VNM of: {ids}.",
    ),
    "deduction_no_evidence": (
        "DEDUCTION_WITHOUT_EVIDENCE",
        "Art 3.5",
        "Deductions without an evidence reference are not deducted: {ids}.",
    ),
    "deduction_originating": (
        "DEDUCTION_NOT_APPLICABLE",
        "Art 3.5",
        "Deductions apply only to non-originating materials; ignored for: {ids}.",
    ),
    "produced_orig": (
        "INTERMEDIATE_ORIGINATING",
        "Art 3.12",
        "Self-produced materials assessed first and found originating count as originating "
        "in full: {ids}.",
    ),
    "produced_undetermined": (
        "INTERMEDIATE_UNDETERMINED",
        "Art 3.12; Art 3.5",
        "Self-produced materials whose origin could not be determined (no Annex 3A rule held for "
        "them) count as not originating here, as any material of undetermined origin does, "
        "bringing their non-originating materials into the VNM: {ids}.",
    ),
    "produced_non": (
        "INTERMEDIATE_NOT_ORIGINATING",
        "Art 3.5; Art 3.12",
        "Self-produced materials assessed first and found not originating bring only the "
        "non-originating materials they contain into the VNM (and into de minimis, when they "
        "fail the change), not their whole value: the rest of it is originating content and "
        "the exporter's own production: {ids}.",
    ),
    "deduction_intermediate": (
        "DEDUCTION_NOT_APPLICABLE",
        "Art 3.5",
        "Deductions given on a self-produced material are not applied: its non-originating "
        "content comes from its own materials, whose deductions apply there: {ids}.",
    ),
}
