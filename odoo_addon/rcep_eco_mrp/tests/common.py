"""Real Odoo data for the origin roll-up: vendors, products with HS codes, purchase orders
confirmed at real prices, bills of materials with work centres, supplier declarations."""

import json
from datetime import timedelta

from odoo import fields
from odoo.addons.rcep_eco.tests.common import RcepData
from odoo.tests import TransactionCase


class MrpOriginData(RcepData):
    @classmethod
    def setup_mrp_data(cls):
        cls.setup_rcep_data()
        env = cls.env
        cls.usd = env.ref("base.USD")
        cls.company.currency_id = cls.usd
        cls.today = fields.Date.context_today(env.user)
        cls.units = env.ref("uom.product_uom_unit")
        cls.vendors = {}
        cls.workcenters = {}

    # --- master data ------------------------------------------------------------------------

    @classmethod
    def vendor(cls, name, country="cn"):
        if name not in cls.vendors:
            cls.vendors[name] = cls.env["res.partner"].create(
                {
                    "name": name,
                    "is_company": True,
                    "country_id": cls.env.ref(f"base.{country}").id,
                    "email": f"origin@{name.lower().replace(' ', '-')}.example.com",
                }
            )
        return cls.vendors[name]

    @classmethod
    def product(cls, name, hs_code, edition="HS2022", **vals):
        """A product.product with its HS code (on its template)."""
        return cls.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "hs_code": hs_code,
                "rcep_hs_edition": edition,
                "taxes_id": [fields.Command.clear()],
                "supplier_taxes_id": [fields.Command.clear()],
                **vals,
            }
        )

    @classmethod
    def buy(cls, product, vendor, price, qty=100, currency=None, when=None):
        """A confirmed purchase order: the price paid (Art 3.5), and the product's vendor."""
        if not product.seller_ids.filtered(lambda s: s.partner_id == vendor):
            cls.env["product.supplierinfo"].create(
                {
                    "partner_id": vendor.id,
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "price": price,
                    "currency_id": (currency or cls.usd).id,
                    "sequence": 10 + len(product.seller_ids),
                }
            )
        order = cls.env["purchase.order"].create(
            {
                "partner_id": vendor.id,
                "currency_id": (currency or cls.usd).id,
                "date_order": fields.Datetime.to_datetime(when) if when else fields.Datetime.now(),
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": qty,
                            "price_unit": price,
                            "tax_ids": [fields.Command.clear()],
                        }
                    )
                ],
            }
        )
        order.button_confirm()
        return order

    @classmethod
    def declare(cls, vendor, product=None, originating=True, country="cn", days=365, **vals):
        """A supplier's long-term declaration, received and valid today for `days`."""
        return cls.env["rcep.supplier.declaration"].create(
            {
                "partner_id": vendor.id,
                "product_tmpl_id": product.product_tmpl_id.id if product else False,
                "originating": originating,
                "country_id": cls.env.ref(f"base.{country}").id if country else False,
                "criterion": "WO" if originating else False,
                "date_from": vals.pop("date_from", cls.today - timedelta(days=30)),
                "date_to": vals.pop("date_to", cls.today + timedelta(days=days)),
                "reference": vals.pop(
                    "reference", f"SD-{vendor.name[:8]}-{product.id if product else 'cat'}"
                ),
                "state": "received",
                **vals,
            }
        )

    @classmethod
    def workcenter(cls, name, cost_hour, labour_share=100.0):
        if name not in cls.workcenters:
            cls.workcenters[name] = cls.env["mrp.workcenter"].create(
                {
                    "name": name,
                    "costs_hour": cost_hour,
                    "rcep_labour_share": labour_share,
                    "time_start": 0,
                    "time_stop": 0,
                }
            )
        return cls.workcenters[name]

    @classmethod
    def bom(cls, product, lines, operations=(), qty=1.0):
        """A manufacturing BOM: lines (component, quantity[, role]), operations (work
        centre, minutes per BOM quantity)."""
        return cls.env["mrp.bom"].create(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_qty": qty,
                "type": "normal",
                "bom_line_ids": [
                    fields.Command.create(
                        {
                            "product_id": line[0].id,
                            "product_qty": line[1],
                            "rcep_role": line[2] if len(line) > 2 else "component",
                        }
                    )
                    for line in lines
                ],
                "operation_ids": [
                    fields.Command.create(
                        {"name": wc.name, "workcenter_id": wc.id, "time_cycle_manual": minutes}
                    )
                    for wc, minutes in operations
                ],
            }
        )

    # --- reading ----------------------------------------------------------------------------

    @staticmethod
    def result(template):
        return json.loads(template.sudo().rcep_assessment_id.result_json or "null")

    @staticmethod
    def reason_codes(record):
        return [r["code"] for r in record._reasons()]

    def run_jobs(self):
        jobs = self.env["rcep.requalification"].search([("state", "in", ("queued", "running"))])
        jobs.action_run_now()
        return jobs


class MrpOriginCase(MrpOriginData, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.setup_mrp_data()
