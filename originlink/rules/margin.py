"""Margin of safety of an assessment: how far a good is from losing (or gaining) origin.

    from originlink.rules.margin import margin
    m = margin(input_dict)            # -> Margin; m.to_json_dict() for JSON

* `break_even_fob`: the lowest FOB (rounded up to the cent) at which the build-down RVC of the
  rule still reaches its threshold, from the assessment's VNM (Art 3.5:
  (FOB - VNM) / FOB >= t  <=>  FOB >= VNM x 100 / (100 - t)). Below it the RVC criterion fails.
  Build-down is the formula customs can recompute from the certificate's FOB value; the
  build-up gives the same figure when the profit is what the FOB leaves over the costs
  (FOB = materials + labour + overhead + profit + other), as it is at a lower price.
* `vnm_headroom`: how much the value of non-originating materials may still rise at this FOB
  before the RVC fails (negative: how much it must fall to pass).
* `flip`: the one material whose origin or price alone would change the verdict, found by
  re-assessing the good with that one change (never guessed from the figures): for an
  originating good, the most valuable material whose loss of origin (e.g. an expired supplier
  declaration) would make it fail, else the non-originating material whose price rise by
  the headroom would; for a good that fails, the cheapest material whose being originating
  would qualify it, else the non-originating material whose price cut would.

Each check is a full assessment, so the search is bounded (`max_checks`) and says how many it
made. A price change inside a self-produced material (`produced`) also changes that material's
value and its own FOB in every enclosing level, in the proportion the input gives them; at the
top, the FOB stays and the profit of the build-up (`costs.profit`) absorbs the change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, localcontext

from originlink.rules.assess import DE_MINIMIS_PERCENT, amount, assess, validate_input
from originlink.rules.language import Ctc, Rvc, leaves, parse_rule
from originlink.rules.models import Assessment, AssessmentInput, Material
from originlink.rules.psr import PsrTable

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
# Roles whose origin counts (Art 3.8: transport packing is ignored; Art 3.10: indirect
# materials are originating wherever they come from).
_COUNTED = ("component", "accessory", "retail_packaging")


def rvc_break_even(vnm: Decimal, threshold: Decimal, places: Decimal = _CENT) -> Decimal | None:
    """The lowest FOB, rounded up to `places`, whose build-down RVC reaches `threshold` %
    with this VNM (Art 3.5); None when no FOB can (a 100 % threshold with VNM above 0)."""
    if threshold >= _HUNDRED:
        return Decimal(0) if vnm == 0 else None
    with localcontext() as ctx:
        ctx.prec = 60
        fob = (vnm * _HUNDRED / (_HUNDRED - threshold)).quantize(places, rounding=ROUND_CEILING)
    return fob


def rvc_threshold(rule: str | None) -> Decimal | None:
    """The lowest RVC threshold of an Annex 3A rule text, None when it has no RVC criterion."""
    if not rule:
        return None
    found = [n.threshold for n in leaves(parse_rule(rule)) if isinstance(n, Rvc)]
    return min(found) if found else None


@dataclass(slots=True)
class Flip:
    material: str  # ids from the top, "frame/seat-parts" for a material of a produced one
    description: str | None
    change: str  # loses_origin | gains_origin | price_rise | price_drop
    value: str
    new_value: str | None
    verdict: str  # the verdict after the change
    criterion: str | None


@dataclass(slots=True)
class Margin:
    verdict: str
    criterion: str | None
    fob: str
    currency: str
    rvc_threshold: str | None
    vnm: str
    break_even_fob: str | None
    vnm_headroom: str | None
    flip: Flip | None
    checked: int  # re-assessments made to find `flip`
    candidates: int  # materials that could flip it, of which `checked` were tried

    def to_json_dict(self) -> dict:
        return dataclasses.asdict(self)


def margin(
    data: Mapping | AssessmentInput,
    *,
    table: PsrTable | None = None,
    assessment: Assessment | None = None,
    max_checks: int = 32,
) -> Margin:
    """The margin of safety of one good (see the module's docstring). `assessment` may be
    given when the caller already holds the good's assessment with the same table."""
    inp = validate_input(data)
    table = table if table is not None else PsrTable.load()
    base = assessment if assessment is not None else assess(inp, table=table)
    fob = inp.fob.amount
    vnm = Decimal(base.rvc.vnm)
    threshold = rvc_threshold(base.rule)
    break_even = headroom = None
    if threshold is not None:
        break_even = rvc_break_even(vnm, threshold)
        with localcontext() as ctx:
            ctx.prec = 60
            headroom = fob * (_HUNDRED - threshold) / _HUNDRED - vnm
    search = _Search(inp, table, base, max_checks)
    flip = search.run(headroom, threshold is not None)
    return Margin(
        verdict=base.verdict,
        criterion=base.criterion,
        fob=amount(fob),
        currency=inp.fob.currency,
        rvc_threshold=None if threshold is None else str(threshold),
        vnm=base.rvc.vnm,
        break_even_fob=None if break_even is None else amount(break_even),
        vnm_headroom=None if headroom is None else amount(headroom.quantize(_CENT)),
        flip=flip,
        checked=search.checked,
        candidates=search.candidates,
    )


@dataclass(slots=True)
class _Leaf:
    path: tuple[int, ...]  # material indexes from the top
    ids: str
    material: Material
    scale: Decimal  # value at the top per unit of value here (produced levels' value / FOB)


def _leaves(inp: AssessmentInput, path=(), ids="", scale=Decimal(1)) -> Iterator[_Leaf]:
    for i, m in enumerate(inp.materials):
        mid = m.id if m.id is not None else f"materials[{i}]"
        here = f"{ids}/{mid}" if ids else mid
        if m.produced is not None:
            sub_scale = scale * m.value / m.produced.fob.amount
            yield from _leaves(m.produced, (*path, i), here, sub_scale)
        elif m.role in _COUNTED:
            yield _Leaf((*path, i), here, m, scale)


def _replace(inp: AssessmentInput, path: tuple[int, ...], new: Material, delta: Decimal):
    """A copy of `inp` with the material at `path` replaced; a value change `delta` (in the
    material's own level) is carried into each enclosing produced material and its FOB."""
    i = path[0]
    materials = list(inp.materials)
    if len(path) == 1:
        materials[i] = new
        return inp.model_copy(update={"materials": materials})
    outer = materials[i]
    sub = outer.produced
    sub_delta = delta
    sub_new = _replace(sub, path[1:], new, delta)
    if delta:
        # the change as seen one level up: in proportion of this material's value to its FOB
        sub_delta = _delta_at(sub, path[1:], delta)
        fob = sub.fob.model_copy(update={"amount": sub.fob.amount + sub_delta})
        sub_new = sub_new.model_copy(update={"fob": fob})
        up = sub_delta * outer.value / sub.fob.amount
        outer = dataclasses.replace(outer, value=outer.value + up)
    materials[i] = dataclasses.replace(outer, produced=sub_new)
    return inp.model_copy(update={"materials": materials})


def _delta_at(inp: AssessmentInput, path: tuple[int, ...], delta: Decimal) -> Decimal:
    """`delta` at the material `path` of `inp`, as seen at `inp`'s own level."""
    if len(path) == 1:
        return delta
    outer = inp.materials[path[0]]
    inner = _delta_at(outer.produced, path[1:], delta)
    return inner * outer.value / outer.produced.fob.amount


class _Search:
    def __init__(self, inp, table, base, max_checks):
        self.inp, self.table, self.base, self.max_checks = inp, table, base, max_checks
        self.checked = self.candidates = 0
        self.originating = base.originating is True
        rule = parse_rule(base.rule) if base.rule else None
        self.has_ctc = rule is not None and any(isinstance(n, Ctc) for n in leaves(rule))
        self.ctc_failing = {c.material for c in base.ctc if not c.met}

    def _try(self, leaf: _Leaf, new: Material, delta=Decimal(0)) -> Assessment | None:
        self.checked += 1
        with localcontext() as ctx:
            ctx.prec = 60
            changed = _replace(self.inp, leaf.path, new, delta)
            costs = changed.costs
            if delta and costs is not None:
                # The FOB stays; the profit is what it leaves over the costs, so a dearer
                # material costs the exporter its profit, never raises the build-up.
                profit = max(costs.profit - delta * leaf.scale, Decimal(0))
                costs = costs.model_copy(update={"profit": profit})
                changed = changed.model_copy(update={"costs": costs})
        result = assess(changed, table=self.table)
        return result if (result.originating is True) != self.originating else None

    def _flip(self, leaf, change, result, new_value=None) -> Flip:
        m = leaf.material
        return Flip(
            material=leaf.ids,
            description=m.description,
            change=change,
            value=amount(m.value),
            new_value=None if new_value is None else amount(new_value),
            verdict=result.verdict,
            criterion=result.criterion,
        )

    def run(self, headroom: Decimal | None, has_rvc: bool) -> Flip | None:
        leaves_ = list(_leaves(self.inp))
        non = [lf for lf in leaves_ if not _counts_originating(lf.material, self.inp)]
        orig = [lf for lf in leaves_ if _counts_originating(lf.material, self.inp)]
        if self.originating:
            return self._losing(orig, non, headroom, has_rvc)
        return self._gaining(non, headroom, has_rvc)

    def _losing(self, orig, non, headroom, has_rvc):
        # A material losing origin adds its value to the VNM and may fail a CTC: with a CTC
        # alternative any of them may matter; with RVC alone only one worth more than the
        # headroom can.
        def could(lf):
            return self.has_ctc or (has_rvc and lf.material.value * lf.scale > (headroom or 0))

        candidates = sorted((lf for lf in orig if could(lf)), key=lambda lf: -_top(lf))
        self.candidates = len(candidates)
        for lf in candidates:
            if self.checked >= self.max_checks:
                return None
            new = dataclasses.replace(lf.material, originating=False, origin_country=None)
            result = self._try(lf, new)
            if result is not None:
                return self._flip(lf, "loses_origin", result)
        return self._price_rise(non, headroom)

    def _price_rise(self, non, headroom):
        """The non-originating material whose price rise alone fails every criterion met. Only
        value-based criteria can be failed so (RVC, DMI; ACU through them): with CTC, CR, WO or
        PE met, no price changes the verdict."""
        base = self.base
        met = set(base.criteria_met)
        if met & {"WO", "PE", "CTC", "CR"} or base.criterion_basis == "CTC" or not met:
            return None
        fob = self.inp.fob.amount
        by_value = "DMI" in met or base.criterion_basis == "DMI"
        by_rvc = "RVC" in met or base.criterion_basis == "RVC"
        failing = None
        if by_value and base.de_minimis.value_ratio is not None:
            failing = Decimal(base.de_minimis.value_ratio) * fob / _HUNDRED
        for lf in sorted(non, key=lambda lf: -_top(lf)):
            needs = []
            if by_rvc:
                if headroom is None:
                    continue
                needs.append(max(headroom, Decimal(0)) + _CENT)
            if by_value:
                # only a material failing the CTC counts against de minimis (Art 3.7)
                if lf.ids not in self.ctc_failing or failing is None:
                    continue
                needs.append(max(fob * DE_MINIMIS_PERCENT / _HUNDRED - failing, Decimal(0)) + _CENT)
            if self.checked >= self.max_checks:
                return None
            self.candidates += 1
            rise = (max(needs) / lf.scale).quantize(_CENT, rounding=ROUND_CEILING)
            new_value = lf.material.value + rise
            result = self._try(lf, dataclasses.replace(lf.material, value=new_value), rise)
            if result is not None:
                return self._flip(lf, "price_rise", result, new_value)
        return None

    def _gaining(self, non, headroom, has_rvc):
        gap = -headroom if headroom is not None else None

        def could(lf):
            if lf.ids in self.ctc_failing:
                return True
            return has_rvc and gap is not None and _top(lf) >= gap

        candidates = sorted((lf for lf in non if could(lf)), key=_top)
        self.candidates = len(candidates)
        party = self.inp.exporting_party
        for lf in candidates:
            if self.checked >= self.max_checks:
                return None
            new = dataclasses.replace(
                lf.material, originating=True, origin_country=party, proof=None
            )
            result = self._try(lf, new)
            if result is not None:
                return self._flip(lf, "gains_origin", result)
        if gap is None or gap <= 0:
            return None
        cut = [lf for lf in non if _top(lf) > gap]
        if not cut or self.checked >= self.max_checks:
            return None
        self.candidates += 1
        lf = max(cut, key=_top)
        drop = (gap / lf.scale).quantize(_CENT, rounding=ROUND_CEILING)
        new_value = lf.material.value - drop
        if new_value < 0:
            return None
        result = self._try(lf, dataclasses.replace(lf.material, value=new_value), -drop)
        return self._flip(lf, "price_drop", result, new_value) if result is not None else None


def _top(lf: _Leaf) -> Decimal:
    return lf.material.value * lf.scale


def _counts_originating(m: Material, inp: AssessmentInput) -> bool:
    """As the engine counts it (Art 3.4): originating in the exporting Party, or in another
    Party with a proof. (The engine remains the judge: every flip is re-assessed.)"""
    if not m.originating or m.origin_country is None:
        return False
    return m.origin_country == inp.exporting_party or bool(m.proof)
