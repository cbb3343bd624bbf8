"""Margin of safety (issue 12.6): the break-even FOB and the material that flips the verdict,
stored with each assessment; the what-if that changes nothing; the sales order priced below
the break-even."""

from odoo import fields
from odoo.tests import tagged

from .common import MrpOriginCase


@tagged("post_install", "-at_install")
class TestMargin(MrpOriginCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The toy of worked example 2, claimed under RVC (FOB 50, VNM 30: RVC 40.00 %).
        cls.tw, cls.sa = cls.vendor("Formosa Parts", "tw"), cls.vendor("Gulf Polymers", "sa")
        cls.cn = cls.vendor("Shenzhen Polymers", "cn")
        cls.parts = cls.product("Toy parts", "9503.00")
        cls.resin = cls.product("Resin pellets", "3901.10")
        cls.buy(cls.parts, cls.tw, 4.0)
        cls.buy(cls.resin, cls.sa, 26.0)
        cls.env["product.supplierinfo"].create(
            {"partner_id": cls.cn.id, "product_tmpl_id": cls.resin.product_tmpl_id.id,
             "price": 24.0, "sequence": 50}
        )  # fmt: skip
        cls.declare(cls.cn, cls.resin, reference="SZP-2026-1")
        toy = cls.product("Toy robot", "9503.00", rcep_criterion="RVC", rcep_fob_amount=50.0)
        cls.bom(toy, [(cls.parts, 1), (cls.resin, 1)])
        cls.toy = toy.product_tmpl_id

    def setUp(self):
        super().setUp()
        self.run_jobs()

    def test_break_even_and_the_material_that_flips_are_stored(self):
        record = self.toy.sudo().rcep_assessment_id
        self.assertEqual(record.criteria_met, "DMI, RVC")
        self.assertAlmostEqual(record.break_even_fob, 50.0, places=2)  # 30 / 0.6, exactly
        self.assertAlmostEqual(record.vnm_headroom, 0.0, places=2)
        margin = record._margin()
        self.assertEqual(
            margin["flip"]["material"].split("/")[-1], record._input()["materials"][0]["id"]
        )
        self.assertEqual(
            (margin["flip"]["change"], margin["flip"]["new_value"]), ("price_rise", "5.01")
        )
        self.assertIn("Toy parts", record.flip_summary)
        self.assertIn("5.01", record.flip_summary)

    def test_what_if_shows_the_new_verdict_and_changes_nothing(self):
        before_records = self.env["rcep.origin.assessment"].search_count([])
        before_orders = self.env["purchase.order"].search_count([])
        wizard = self.env["rcep.whatif.wizard"].create({"product_tmpl_id": self.toy.id})
        self.assertEqual(wizard.before_rvc, "40.00")
        lines = {line.product_id: line for line in wizard.line_ids}
        self.assertEqual(set(lines), {self.parts, self.resin})
        # The variant of example 2 as a what-if: parts at 12, resin at 20.
        lines[self.parts].write({"change_price": True, "new_price": 12.0})
        lines[self.resin].write({"change_price": True, "new_price": 20.0})
        wizard.action_simulate()
        self.assertEqual(wizard.after_rvc, "36.00")
        self.assertEqual(wizard.after_criteria, "-")
        self.assertEqual(wizard.after_verdict, "Not originating")
        # Or: buy the resin from the Chinese supplier who declares it originating.
        lines[self.parts].write({"change_price": False})
        lines[self.resin].write({"change_price": False, "new_supplier_id": self.cn.id})
        wizard.action_simulate()
        self.assertEqual(wizard.after_rvc, "92.00")  # (50 - 4) / 50; resin at 24, originating
        self.assertEqual(wizard.after_criteria, "DMI, RVC")
        # Or: the parts made originating in China (a declaration from their supplier).
        lines[self.resin].write({"new_supplier_id": False})
        lines[self.parts].write(
            {"new_origin": "originating", "new_country_id": self.env.ref("base.cn").id}
        )
        wizard.action_simulate()
        self.assertEqual((wizard.after_criteria, wizard.after_rvc), ("CTC, RVC", "48.00"))
        self.assertEqual(self.env["rcep.origin.assessment"].search_count([]), before_records)
        self.assertEqual(self.env["purchase.order"].search_count([]), before_orders)
        self.assertEqual(self.toy.sudo().rcep_assessment_id.rvc_build_down, "40.00")

    def sale_order_at(self, price):
        return self.env["sale.order"].create(
            {
                "partner_id": self.buyer.id,
                "order_line": [
                    fields.Command.create(
                        {"product_id": self.toy.product_variant_id.id, "product_uom_qty": 100,
                         "price_unit": price, "tax_ids": [fields.Command.clear()]}
                    )
                ],
            }
        )  # fmt: skip

    def test_a_sales_order_below_the_break_even_warns_on_confirmation(self):
        order = self.sale_order_at(45.0)
        self.assertIn("break-even FOB 50.00", order.rcep_break_even_warning)
        self.assertIn("Toy robot", order.rcep_break_even_warning)
        action = order.action_confirm()
        self.assertEqual(order.state, "sale")  # warned, not refused
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "warning")
        self.assertTrue(
            order.message_ids.filtered(lambda m: "below the RCEP break-even" in (m.body or ""))
        )
        self.assertTrue(order.activity_ids.filtered(lambda a: "break-even" in (a.summary or "")))

    def test_at_or_above_the_break_even_no_warning(self):
        order = self.sale_order_at(50.0)
        self.assertFalse(order.rcep_break_even_warning)
        self.assertIs(order.action_confirm(), True)

    def test_no_warning_when_origin_does_not_rest_on_the_rvc(self):
        self.toy.rcep_criterion = "DMI"
        self.assertFalse(self.sale_order_at(45.0).rcep_break_even_warning)
