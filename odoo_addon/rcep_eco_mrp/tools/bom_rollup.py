"""The core's assessment input of a manufactured product, built from what the company really
makes and buys: its multi-level bill of materials, the prices it pays (in the company's
currency at Odoo's rates), its work centres' costs and its suppliers' origin declarations.

One `BomRollup` serves many products at once: it loads BOMs level by level, then every leaf
component's supplier, last purchase, declarations and rates in a few batched reads, and builds
the inputs in plain Python. Amounts are `Decimal` from Odoo's stored values (never float
arithmetic), kept to 10 decimal places — the engine's input precision — only where a division
makes them inexact. Each material carries its evidence (where its value and origin come
from), so the stored assessment can be explained years later (Art 3.27).

A self-made component (one with its own manufacturing BOM) becomes a `produced` material: the
engine assesses it first (Art 3.12). Its input is expressed for the quantity used in one unit
of the parent (its value is its cost: materials, labour and overhead), as the engine reads a
produced material's figures against its value.
"""

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from odoo import fields
from odoo.addons.rcep_eco.originlink_bridge import hs_subheading, to_decimal
from odoo.tools import SQL

PLACES = Decimal("1e-10")  # the engine's input precision: at most 10 decimals
ZERO = Decimal(0)
ONE = Decimal(1)
SIXTY = Decimal(60)
HUNDRED = Decimal(100)
# Roles whose origin needs evidence: transport packing is disregarded (Art 3.8) and indirect
# materials are originating wherever they come from (Art 3.10).
NEEDS_ORIGIN = ("component", "retail_packaging", "accessory")
# Art 3.5: a material of undetermined origin is non-originating.
UNDETERMINED_ARTICLE = "Art 3.5"


def exact(value):
    """An Odoo float (a factor, a rate, a quantity) as the decimal it was entered as: the
    shortest representation that reads back as the same float."""
    return Decimal(repr(float(value or 0.0)))


def q(value):
    """Rounded half-even at the 10th decimal (exact values are left as they are), written
    without exponent and without trailing zeros."""
    with localcontext() as ctx:
        ctx.prec = 60
        short = value.quantize(PLACES, rounding=ROUND_HALF_EVEN).normalize()
        return short.quantize(ONE) if short.as_tuple().exponent > 0 else short


@dataclass
class Price:
    """A leaf component's unit value (per its own unit) in the company's currency."""

    amount: Decimal
    supplier: object  # res.partner (commercial entity) or empty
    basis: str  # purchase_order | vendor_pricelist | landed_cost | product_cost | none
    text: str  # said in words, with the document and the rate
    document: str | None = None
    date: object = None
    currency: str | None = None
    rate: Decimal | None = None


@dataclass
class Origin:
    originating: bool
    country: str | None
    proof: str | None
    declaration: object  # rcep.supplier.declaration or empty
    status: str  # valid | expired | missing | requested | not_needed | no_supplier | refused
    valid_until: object = None


@dataclass
class Unit:
    """One product's input per unit (a subtree of the BOM), with what explains it."""

    input: dict
    cost: Decimal
    evidence: list
    reasons: list
    problems: list
    declarations: set
    valid_until: object
    bases: set


@dataclass
class Built:
    """What the roll-up gives for one top product."""

    template: object
    bom: object
    input: dict | None
    evidence: list = field(default_factory=list)
    reasons: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    declarations: set = field(default_factory=set)
    valid_until: object = None
    bases: set = field(default_factory=set)
    cost: Decimal = ZERO


class BomRollup:
    """`BomRollup(env, company).build(templates)` -> {template id: Built}.

    `changes` (what-if, nothing stored): {product.product id: {"supplier": res.partner,
    "price": Decimal, "origin": ("originating", country code) | ("not_originating", code)}}.
    """

    def __init__(self, env, company, date=None, changes=None):
        self.env = env
        self.company = company
        self.date = date or fields.Date.context_today(env.user)
        self.currency = company.currency_id
        self.party = company._rcep_exporting_party()
        self.changes = changes or {}
        self._ = env._
        self.bom_of = {}  # product.product id -> mrp.bom (manufacturing BOMs only)
        self.units = {}  # product.product id -> Unit
        self.sellers = {}
        self.purchases = {}  # (product id, partner id | None) -> purchase.order.line
        self.declarations = defaultdict(list)  # partner id -> [declarations]
        self.landed = {}
        self.rates = {}
        self.leaves = {}  # (product.product id, origin needed) -> (Price, Origin)

    # --- entry point -----------------------------------------------------------------------

    def build(self, templates):
        products = templates.product_variant_id
        self._load_boms(products)
        leaves = self._leaf_products()
        self._load_sellers(leaves)
        self._load_purchases(leaves)
        self._load_declarations(leaves)
        self._load_landed_costs()
        result = {}
        for template in templates:
            result[template.id] = self._top(template)
        return result

    def has_bom(self, product):
        return product.id in self.bom_of

    # --- loading, batched -------------------------------------------------------------------

    def _load_boms(self, products):
        Bom = self.env["mrp.bom"]
        todo = products
        seen = set()
        while todo:
            seen.update(todo.ids)
            found = Bom._bom_find(todo, company_id=self.company.id, bom_type="normal")
            nxt = self.env["product.product"]
            for product, bom in found.items():
                if not bom:
                    continue
                self.bom_of[product.id] = bom
                nxt |= bom.bom_line_ids.product_id
            todo = nxt.filtered(lambda p: p.id not in seen)

    def _leaf_products(self):
        lines = self.env["mrp.bom.line"].concat(
            *(bom.bom_line_ids for bom in set(self.bom_of.values()))
        )
        return lines.product_id.filtered(lambda p: p.id not in self.bom_of)

    def _load_sellers(self, products):
        """Each component's supplier: its first vendor (Purchase tab) valid today for the
        company; a variant's own line comes before the template's."""
        infos = (
            self.env["product.supplierinfo"]
            .sudo()
            .search(
                [
                    ("product_tmpl_id", "in", products.product_tmpl_id.ids),
                    ("company_id", "in", [False, self.company.id]),
                    "|",
                    ("date_start", "=", False),
                    ("date_start", "<=", self.date),
                    "|",
                    ("date_end", "=", False),
                    ("date_end", ">=", self.date),
                ],
                order="sequence, min_qty desc, price, id",
            )
        )
        by_template = defaultdict(list)
        for info in infos:
            by_template[info.product_tmpl_id.id].append(info)
        for product in products:
            candidates = [
                i
                for i in by_template.get(product.product_tmpl_id.id, [])
                if not i.product_id or i.product_id == product
            ]
            candidates.sort(key=lambda i: (not i.product_id,))  # variant's own first (stable)
            self.sellers[product.id] = candidates[0] if candidates else None

    def _load_purchases(self, products):
        """The last confirmed purchase order line per component and vendor (price paid)."""
        if not products:
            return
        self.env["purchase.order.line"].flush_model()
        self.env["purchase.order"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (pol.product_id, po.partner_id) pol.id
                  FROM purchase_order_line pol
                  JOIN purchase_order po ON po.id = pol.order_id
                 WHERE pol.product_id = ANY(%s) AND po.state = 'purchase'
                   AND po.company_id = %s AND pol.display_type IS NULL
                   AND pol.product_qty > 0
              ORDER BY pol.product_id, po.partner_id,
                       COALESCE(po.date_approve, po.date_order) DESC, pol.id DESC
                """,
                products.ids,
                self.company.id,
            )
        )
        lines = self.env["purchase.order.line"].sudo().browse(r[0] for r in self.env.cr.fetchall())
        latest = {}
        for line in lines:
            partner = line.order_id.partner_id.commercial_partner_id
            self.purchases[(line.product_id.id, partner.id)] = line
            when = line.order_id.date_approve or line.order_id.date_order
            best = latest.get(line.product_id.id)
            if best is None or (when, line.id) > best[0]:
                latest[line.product_id.id] = ((when, line.id), line)
        for product_id, (_key, line) in latest.items():
            self.purchases[(product_id, None)] = line

    def _load_declarations(self, products):
        partners = {s.partner_id.commercial_partner_id.id for s in self.sellers.values() if s}
        partners |= {k[1] for k in self.purchases if k[1]}
        for change in self.changes.values():
            if change.get("supplier"):
                partners.add(change["supplier"].commercial_partner_id.id)
        if not partners:
            return
        decls = (
            self.env["rcep.supplier.declaration"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", list(partners)),
                    ("company_id", "in", [False, self.company.id]),
                    ("state", "in", ("received", "requested")),
                ],
                order="date_from desc, id desc",
            )
        )
        for decl in decls:
            self.declarations[decl.partner_id.id].append(decl)

    def _load_landed_costs(self):
        """Landed costs (stock_landed_costs, when installed) allocated to the receipts of the
        purchase lines used: added to their unit price."""
        if "stock.valuation.adjustment.lines" not in self.env:
            return
        lines = self.env["purchase.order.line"].concat(*self.purchases.values())
        if not lines:
            return
        adjustments = (
            self.env["stock.valuation.adjustment.lines"]
            .sudo()
            .search(
                [
                    ("move_id.purchase_line_id", "in", lines.ids),
                    ("cost_id.state", "=", "done"),
                ]
            )
        )
        for adj in adjustments:
            key = adj.move_id.purchase_line_id.id
            total, qty, names = self.landed.get(key, (ZERO, ZERO, set()))
            self.landed[key] = (
                total + exact(adj.additional_landed_cost),
                qty + exact(adj.quantity),
                names | {adj.cost_id.name},
            )

    # --- values -----------------------------------------------------------------------------

    def _rate(self, currency, date):
        """Units of company currency per unit of `currency` on `date` (Odoo's rates)."""
        if currency == self.currency:
            return ONE
        key = (currency.id, date)
        if key not in self.rates:
            # Odoo's rates (units of each currency per company-currency unit), divided as
            # Decimals rather than as the float ratio _get_conversion_rate gives.
            rates = (currency | self.currency)._get_rates(self.company, date)
            self.rates[key] = exact(rates[self.currency.id]) / exact(rates[currency.id])
        return self.rates[key]

    @staticmethod
    def _convert(amount, from_uom, to_uom):
        """`amount` x factor(from) / factor(to), multiplied before dividing so that exact
        conversions stay exact: a quantity in `from_uom` expressed in `to_uom`, or a price per
        `to_uom` expressed per `from_uom`."""
        if from_uom == to_uom or not from_uom or not to_uom:
            return amount
        return amount * exact(from_uom.factor) / exact(to_uom.factor)

    def price(self, product):
        change = self.changes.get(product.id, {})
        seller = self.sellers.get(product.id)
        supplier = change.get("supplier") or (seller.partner_id if seller else None)
        supplier = supplier.commercial_partner_id if supplier else self.env["res.partner"]
        if "price" in change:
            return Price(
                change["price"],
                supplier,
                "what_if",
                self._(
                    "what-if price %(price)s %(currency)s",
                    price=change["price"],
                    currency=self.currency.name,
                ),  # fmt: skip
            )
        line = self.purchases.get((product.id, supplier.id)) if supplier else None
        if line is None and not supplier:
            line = self.purchases.get((product.id, None))
            if line is not None:
                supplier = line.order_id.partner_id.commercial_partner_id
        if line is not None:
            return self._po_price(product, line, supplier)
        info = None
        if change.get("supplier"):
            info = next(
                (
                    i
                    for i in product.product_tmpl_id.seller_ids
                    if i.partner_id.commercial_partner_id == supplier
                ),
                None,
            )
        elif seller:
            info = seller
        if info is not None:
            raw = to_decimal(info.price, self._price_digits()) * (
                ONE - exact(info.discount) / HUNDRED
            )
            per_unit = self._convert(raw, product.uom_id, info.product_uom_id)
            rate = self._rate(info.currency_id, self.date)
            return Price(
                q(per_unit * rate),
                supplier,
                "vendor_pricelist",
                self._(
                    "vendor price list of %(vendor)s: %(price)s %(currency)s per %(uom)s "
                    "(rate %(rate)s on %(date)s)",
                    vendor=supplier.display_name,
                    price=raw,
                    currency=info.currency_id.name,
                    uom=info.product_uom_id.name or product.uom_id.name,
                    rate=rate,
                    date=self.date,
                ),
                currency=info.currency_id.name,
                rate=rate,
                date=self.date,
            )
        cost = to_decimal(product.sudo().standard_price, self._price_digits())
        return Price(
            cost,
            supplier,
            "product_cost" if cost else "none",
            self._("product cost (no purchase order nor vendor price): %s", cost)
            if cost
            else self._("no price known (no purchase order, vendor price or cost)"),
        )

    def _price_digits(self):
        if not hasattr(self, "_digits"):
            self._digits = self.env["decimal.precision"].precision_get("Product Price")
        return self._digits

    def _po_price(self, product, line, supplier):
        order = line.order_id
        date = (order.date_approve or order.date_order).date()
        raw = to_decimal(line.price_unit, self._price_digits()) * (
            ONE - exact(line.discount) / HUNDRED
        )
        per_unit = self._convert(raw, product.uom_id, line.product_uom_id)
        rate = self._rate(order.currency_id, date)
        value = per_unit * rate
        basis = "purchase_order"
        text = self._(
            "purchase order %(order)s of %(date)s from %(vendor)s: %(price)s %(currency)s per "
            "%(uom)s%(incoterm)s (rate %(rate)s)",
            order=order.name,
            date=date,
            vendor=supplier.display_name,
            price=raw,
            currency=order.currency_id.name,
            uom=line.product_uom_id.name,
            incoterm=f", {order.incoterm_id.code}" if order.incoterm_id else "",
            rate=rate,
        )
        landed = self.landed.get(line.id)
        if landed and landed[1]:
            total, qty, names = landed
            extra = total / qty  # the moves' quantities are in the product's unit
            value += extra
            basis = "landed_cost"
            text += self._(
                "; landed costs %(names)s: %(extra)s %(currency)s per unit",
                names=", ".join(sorted(names)),
                extra=q(extra),
                currency=self.currency.name,
            )
        return Price(
            q(value), supplier, basis, text, order.name, date, order.currency_id.name, rate
        )

    # --- origin -----------------------------------------------------------------------------

    def origin(self, product, supplier, role):
        change = self.changes.get(product.id, {})
        if "origin" in change:
            kind, country = change["origin"]
            return Origin(kind == "originating", country, "what-if", None, "what_if")
        if role not in NEEDS_ORIGIN:
            return Origin(False, None, None, None, "not_needed")
        if not supplier:
            return Origin(False, None, None, None, "no_supplier")
        found = expired = requested = None
        template, categories = product.product_tmpl_id, product.categ_id
        for decl in self.declarations.get(supplier.id, ()):
            if not decl._covers(template, categories):
                continue
            if decl.state == "requested":
                requested = requested or decl
                continue
            if decl._valid_on(self.date):
                # product-specific declarations come before category ones
                if found is None or (decl.product_tmpl_id and not found.product_tmpl_id):
                    found = decl
            elif decl.date_to and decl.date_to < self.date:
                expired = expired or decl
        if found is not None:
            return Origin(
                found.originating,
                found.country_id.code or None,
                found.reference or found.display_name,
                found,
                "valid",
                found.date_to,
            )
        if expired is not None:
            return Origin(False, None, None, expired, "expired")
        if requested is not None:
            return Origin(False, None, None, requested, "requested")
        return Origin(False, None, None, None, "missing")

    def _origin_reason(self, product, supplier, origin, mid):
        _ = self._
        if origin.status == "expired":
            text = _(
                "%(material)s (%(mid)s): the origin declaration %(ref)s of %(supplier)s expired "
                "on %(date)s; without a valid declaration the material is of undetermined "
                "origin and counted as non-originating. Request a renewed declaration.",
                material=product.display_name,
                mid=mid,
                ref=origin.declaration.reference or origin.declaration.display_name,
                supplier=supplier.display_name,
                date=origin.declaration.date_to,
            )
            code = "SUPPLIER_DECLARATION_EXPIRED"
        elif origin.status == "requested":
            text = _(
                "%(material)s (%(mid)s): the origin declaration requested from %(supplier)s on "
                "%(date)s has not been provided; until it is, the material is of undetermined "
                "origin and counted as non-originating.",
                material=product.display_name,
                mid=mid,
                supplier=supplier.display_name,
                date=origin.declaration.requested_on or origin.declaration.create_date.date(),
            )
            code = "SUPPLIER_DECLARATION_REQUESTED"
        elif origin.status == "no_supplier":
            text = _(
                "%(material)s (%(mid)s): no supplier is known (no vendor, no purchase order), "
                "so no origin declaration: of undetermined origin, counted as non-originating.",
                material=product.display_name,
                mid=mid,
            )
            code = "SUPPLIER_UNKNOWN"
        else:
            text = _(
                "%(material)s (%(mid)s): no origin declaration of %(supplier)s covers it on "
                "%(date)s: of undetermined origin, counted as non-originating. Request one "
                "from the supplier.",
                material=product.display_name,
                mid=mid,
                supplier=supplier.display_name,
                date=self.date,
            )
            code = "SUPPLIER_DECLARATION_MISSING"
        return {"code": code, "article": UNDETERMINED_ARTICLE, "text": text}

    def _leaf(self, component, role):
        """A purchased component's value and origin, worked out once per build."""
        needs = role in NEEDS_ORIGIN
        key = (component.id, needs)
        if key not in self.leaves:
            price = self.price(component)
            self.leaves[key] = (price, self.origin(component, price.supplier, role))
        return self.leaves[key]

    def _minutes(self, op, bom, product):
        """Minutes of an operation for the BOM's quantity, as Odoo's BoM cost does it
        (mrp.routing.workcenter time_total: set-up + clean-up + cycles x cycle time x 100 /
        efficiency), computed here: Odoo's field depends on the context, and reading it per
        operation recomputes it for every operation prefetched with it."""
        workcenter = op.workcenter_id
        quantity = bom.product_qty or 1.0
        capacity, setup, cleanup = workcenter._get_capacity(product, bom.product_uom_id, quantity)
        cycles = math.ceil(exact(quantity) / exact(capacity or 1.0))
        if op.time_mode == "manual":
            cycle = exact(op.time_cycle_manual)
        else:  # from the last work orders' durations: Odoo's own computation, for this one
            one = op.with_prefetch(op._ids).with_context(
                product=product, quantity=quantity, unit=bom.product_uom_id
            )
            cycle = exact(one.time_cycle)
        efficiency = exact(workcenter.time_efficiency or 100.0)
        return exact(setup) + exact(cleanup) + cycles * cycle * HUNDRED / efficiency

    # --- building ---------------------------------------------------------------------------

    def _top(self, template):
        product = template.product_variant_id
        bom = self.bom_of.get(product.id)
        if bom is None:
            return Built(template, self.env["mrp.bom"], None)
        try:
            unit = self._unit(product, ())
        except _Cycle as cycle:
            names = " -> ".join(_names(self.env, cycle.path))
            problem = {
                "path": "materials",
                "code": "bom_cycle",
                "message": self._("the bill of materials contains itself: %s", names),
                "article": "Art 3.12",
            }
            return Built(template, bom, None, problems=[problem])
        built = Built(
            template,
            bom,
            None,
            unit.evidence,
            unit.reasons,
            list(unit.problems),
            unit.declarations,
            unit.valid_until,
            unit.bases,
            unit.cost,
        )
        fob = to_decimal(template.sudo().rcep_fob_amount, self._price_digits())
        if fob <= 0:
            built.problems.append(
                {
                    "path": "fob",
                    "code": "fob_missing",
                    "message": self._("FOB value per unit (entered by an RCEP manager)"),
                    "article": "Art 3.5",
                }
            )
        if built.problems:
            return built
        data = dict(unit.input)
        data["fob"] = {"amount": fob, "currency": self.currency.name or "USD"}
        costs = dict(data["costs"])
        sudo = template.sudo()
        other = to_decimal(sudo.rcep_cost_other, self._price_digits())
        profit = to_decimal(sudo.rcep_cost_profit, self._price_digits())
        if not profit:
            # What the FOB leaves over the costs (FOB = materials + labour + overhead + profit
            # + other): then build-up and build-down agree (Art 3.5).
            profit = max(fob - unit.cost - other, ZERO)
            built.bases.add("profit_derived")
        costs.update(profit=q(profit), other=q(other))
        data["costs"] = costs
        data["psr_override"] = sudo.rcep_psr_override or None
        built.input = data
        return built

    def _unit(self, product, path):
        if product.id in self.units:
            return self.units[product.id]
        if product.id in path:
            raise _Cycle([*path, product.id])
        bom = self.bom_of[product.id]
        template = product.product_tmpl_id
        sudo = template.sudo()
        _ = self._
        path = (*path, product.id)
        bom_qty = self._convert(exact(bom.product_qty), bom.product_uom_id, product.uom_id)
        materials, evidence, reasons, problems = [], [], [], []
        declarations, bases = set(), set()
        valid_until = None
        total = ZERO
        names = _names(self.env, path)
        if not hs_subheading(template.hs_code):
            problems.append(
                {
                    "path": "product.hs_code",
                    "code": "hs_code_missing",
                    "message": _("%s has no HS code (6 digits)", product.display_name),
                    "article": "Art 3.2",
                }
            )
        for line in bom.bom_line_ids:
            if line.bom_product_template_attribute_value_ids and line._skip_bom_line(product):
                continue
            component = line.product_id
            mid = f"L{line.id}"
            role = line.rcep_role or "component"
            per_unit = (
                self._convert(exact(line.product_qty), line.product_uom_id, component.uom_id)
                / bom_qty
            )
            hs_code = hs_subheading(component.hs_code) or _four_digits(component.hs_code)
            if not hs_code:
                problems.append(
                    {
                        "path": f"materials[{mid}].hs_code",
                        "code": "hs_code_missing",
                        "message": _(
                            "%(component)s (line of %(bom)s) has no HS code",
                            component=component.display_name,
                            bom=bom.display_name,
                        ),
                        "article": "Art 3.2",
                    }
                )
                continue
            material = {
                "id": mid,
                "description": component.display_name[:2000],
                "hs_code": hs_code,
                "role": role,
            }
            if component.weight:
                material["weight"] = {"amount": q(per_unit * exact(component.weight)), "unit": "kg"}
            ev = {
                "id": mid,
                "path": [*names, component.display_name],
                "bom_line": line.id,
                "product": component.id,
                "name": component.display_name,
                "quantity": str(q(per_unit)),
                "uom": component.uom_id.name,
                "role": role,
            }
            if component.id in self.bom_of:
                sub = self._unit(component, path)
                value = q(per_unit * sub.cost)
                material["value"] = value
                material["produced"] = _scaled(sub.input, per_unit)
                ev.update(source="self_made", value=str(value), unit_cost=str(sub.cost))
                evidence.append(ev)
                evidence.extend(sub.evidence)
                reasons.extend(sub.reasons)
                problems.extend(sub.problems)
                declarations |= sub.declarations
                bases |= sub.bases
                valid_until = _earliest(valid_until, sub.valid_until)
                total += value
                materials.append(material)
                continue
            price, origin = self._leaf(component, role)
            value = q(per_unit * price.amount)
            material.update(
                value=value,
                originating=origin.originating,
                origin_country=origin.country,
                proof=origin.proof,
            )
            bases.add(price.basis)
            if price.basis == "none" and role in NEEDS_ORIGIN:
                problems.append(
                    {
                        "path": f"materials[{mid}].value",
                        "code": "price_missing",
                        "message": _(
                            "%s has no purchase order, vendor price or cost: its value "
                            "cannot be determined",
                            component.display_name,
                        ),
                        "article": "Art 3.5",
                    }
                )
            ev.update(
                source="purchased",
                value=str(value),
                unit_price=str(price.amount),
                price_basis=price.basis,
                price_text=price.text,
                price_document=price.document,
                supplier=price.supplier.display_name if price.supplier else None,
                supplier_id=price.supplier.id if price.supplier else None,
                origin_status=origin.status,
                originating=origin.originating,
                origin_country=origin.country,
            )
            if origin.declaration:
                decl = origin.declaration
                ev.update(
                    declaration_id=decl.id,
                    declaration=decl.reference or decl.display_name,
                    declaration_valid_to=str(decl.date_to) if decl.date_to else None,
                    criterion=decl.criterion or None,
                )
                if origin.status == "valid":
                    declarations.add(decl.id)
                    valid_until = _earliest(valid_until, decl.date_to)
            if origin.status in ("expired", "missing", "requested", "no_supplier"):
                reasons.append(self._origin_reason(component, price.supplier, origin, mid))
            evidence.append(ev)
            total += value
            materials.append(material)
        labour = overhead = ZERO
        for op in bom.operation_ids:
            if op.bom_product_template_attribute_value_ids and op._skip_operation_line(product):
                continue
            workcenter = op.workcenter_id
            minutes = self._minutes(op, bom, product)
            cost = minutes * exact(workcenter.costs_hour) / SIXTY / bom_qty
            share = exact(workcenter.rcep_labour_share) / HUNDRED
            labour += cost * share
            overhead += cost * (ONE - share)
            evidence.append(
                {
                    "id": f"O{op.id}",
                    "path": [*names, op.name],
                    "source": "operation",
                    "name": f"{op.name} - {workcenter.name}",
                    "minutes": str(q(minutes / bom_qty)),
                    "cost_hour": str(exact(workcenter.costs_hour)),
                    "labour": str(q(cost * share)),
                    "overhead": str(q(cost * (ONE - share))),
                }
            )
        labour, overhead = q(labour), q(overhead)
        cost = total + labour + overhead
        data = {
            "agreement": "RCEP",
            "hs_edition": template.rcep_hs_edition or "HS2022",
            "product": {
                "hs_code": hs_subheading(template.hs_code) or "",
                "description": (template.name or "")[:2000],
            },
            "exporting_party": self.party,
            "fob": {"amount": cost, "currency": self.currency.name or "USD"},
            "costs": {"labour": labour, "overhead": overhead, "profit": ZERO, "other": ZERO},
            "wholly_obtained": template.rcep_wholly_obtained,
            "operations": {"minimal_only": template.rcep_minimal_operations},
            "psr_override": sudo.rcep_psr_override or None,
            "materials": materials,
        }
        if template.weight:
            data["weight"] = {"amount": exact(template.weight), "unit": "kg"}
        if path[:-1] and cost <= 0:
            problems.append(
                {
                    "path": f"materials[{product.display_name}]",
                    "code": "cost_missing",
                    "message": _(
                        "self-made %s has no cost (no prices for its materials, no operations)",
                        product.display_name,
                    ),
                    "article": "Art 3.12",
                }
            )
        unit = Unit(data, cost, evidence, reasons, problems, declarations, valid_until, bases)
        self.units[product.id] = unit
        return unit


class _Cycle(Exception):
    def __init__(self, path):
        self.path = path
        super().__init__(path)


def _names(env, path):
    return [p.display_name for p in env["product.product"].browse(path)]


def _four_digits(code):
    digits = "".join(c for c in (code or "") if c.isdigit())
    return digits if len(digits) == 4 else None


def _earliest(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _scaled(data, k):
    """`data` (an input per unit) for `k` units: amounts multiplied, kept to 10 decimals."""
    if k == ONE:
        return data
    with localcontext() as ctx:
        ctx.prec = 60
        out = dict(data)
        out["fob"] = {**data["fob"], "amount": q(data["fob"]["amount"] * k)}
        out["costs"] = {name: q(v * k) for name, v in data["costs"].items()}
        if "weight" in data:
            out["weight"] = {**data["weight"], "amount": q(data["weight"]["amount"] * k)}
        materials = []
        for m in data["materials"]:
            m = dict(m)
            m["value"] = q(m["value"] * k)
            if "weight" in m:
                m["weight"] = {**m["weight"], "amount": q(m["weight"]["amount"] * k)}
            if "produced" in m:
                m["produced"] = _scaled(m["produced"], k)
            materials.append(m)
        out["materials"] = materials
        return out


def to_json(data, **kw):
    """JSON of an input or evidence holding Decimals: amounts as decimal strings."""
    return json.dumps(data, default=_decimal_str, ensure_ascii=False, **kw)


def _decimal_str(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
