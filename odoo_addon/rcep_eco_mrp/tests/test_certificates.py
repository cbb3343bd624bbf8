"""Certificates of origin from rcep_eco use the stored assessment (issue 12.7): refused when it
is missing, queued, stale or lost; each goods item keeps the assessment it was certified on;
the evidence sent to customs comes from it; an RVC claim below the break-even is refused."""

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MrpOriginCase


@tagged("post_install", "-at_install")
class TestCertificates(MrpOriginCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tw, cls.sa = cls.vendor("Formosa Parts", "tw"), cls.vendor("Gulf Polymers", "sa")
        cls.cn = cls.vendor("Shenzhen Polymers", "cn")
        cls.parts = cls.product("Toy parts", "9503.00")
        cls.resin = cls.product("Resin pellets", "3901.10")
        cls.pigment = cls.product("Pigment", "3204.17")
        cls.buy(cls.parts, cls.tw, 4.0)
        cls.buy(cls.resin, cls.sa, 24.0)
        cls.buy(cls.pigment, cls.cn, 2.0)
        cls.declare(cls.cn, cls.pigment, reference="SZP-PIG-7")
        toy = cls.product(
            "Toy robot", "9503.00", rcep_criterion="RVC", rcep_fob_amount=50.0, weight=0.5
        )
        cls.bom(toy, [(cls.parts, 1), (cls.resin, 1), (cls.pigment, 1)])
        cls.toy = toy.product_tmpl_id

    def sale(self, price=50.0, qty=10):
        return self.confirmed_order(self.toy.product_variant_id, qty, price=price)

    def issue(self, order):
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=order.id)
            .create(
                {
                    "issue_date": fields.Date.today(),
                    "vessel_or_flight": "COSCO HARMONY V.026S",
                    "port_of_discharge": "Cat Lai",
                    "invoice_number": "INV-1",
                    "invoice_date": fields.Date.today(),
                }
            )
        )
        action = wizard.action_create()
        return self.env["rcep.certificate"].browse(action["res_id"])

    def test_refused_without_an_assessment(self):
        self.toy.sudo().rcep_requal_pending = False
        order = self.sale()
        with self.assertRaisesRegex(UserError, "no origin assessment from its bill of materials"):
            self.issue(order)

    def test_refused_while_queued_then_issued_on_the_stored_assessment(self):
        self.run_jobs()
        order = self.sale()
        line = self.env["purchase.order.line"].search([("product_id", "=", self.resin.id)])
        line.price_unit = 23.0  # queued: not yet re-assessed
        with self.assertRaisesRegex(UserError, "queued for re-qualification"):
            self.issue(order)
        self.run_jobs()
        current = self.toy.sudo().rcep_assessment_id
        cert = self.issue(order)
        item = cert.line_ids
        self.assertEqual(item.sudo().rcep_assessment_id, current)
        self.assertEqual(current.certificate_line_ids, item)
        # The evidence for customs: the stored assessment's materials, declarations and FOB.
        evidence = item._build_goods_item(1)["evidence"]
        self.assertEqual(evidence["criterion"], "RVC")
        self.assertEqual(evidence["rvc"]["fob"], "50.00")
        self.assertEqual(evidence["rvc"]["vnm"], current._result()["rvc"]["vnm"])
        self.assertEqual(evidence["supplier_declarations"], ["SZP-PIG-7"])
        by_description = {m["description"]: m for m in evidence["materials"]}
        self.assertEqual(by_description["Pigment"]["country"], "CN")
        self.assertTrue(by_description["Pigment"]["originating"])
        self.assertEqual(by_description["Resin pellets"]["value"], "23")
        self.assertIn("Art 3.27", evidence["notes"])
        # Kept with the certificate (Art 3.27): it cannot be deleted.
        with self.assertRaises(UserError):
            current.unlink()

    def test_refused_when_stale(self):
        self.run_jobs()
        order = self.sale()
        # An input changed without a re-qualification queued (an exchange rate, data written
        # behind Odoo's back): rebuilding the input shows the stored one is stale.
        self.toy.with_context(rcep_no_requalify=True).rcep_fob_amount = 60.0
        with self.assertRaisesRegex(UserError, "is stale"):
            self.issue(order)

    def test_refused_while_a_loss_of_origin_is_unconfirmed(self):
        self.run_jobs()
        order = self.sale()
        # Parts at 6 (de minimis 12 %) and resin at 40 (RVC 8 %): not originating.
        for product, price in ((self.parts, 6.0), (self.resin, 40.0)):
            line = self.env["purchase.order.line"].search([("product_id", "=", product.id)])
            line.price_unit = price
        self.run_jobs()
        self.assertTrue(self.toy.rcep_origin_lost)
        with self.assertRaisesRegex(UserError, "lost its origin"):
            self.issue(order)
        # Not even with a manager's readiness override.
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=order.id)
            .create({"readiness_override_reason": "shipment already left"})
        )
        self.assertIn("lost its origin", wizard.blocking_problems)

    def test_an_rvc_claim_below_the_break_even_is_refused(self):
        self.run_jobs()
        # Break-even: VNM 28 / 0.6 = 46.67; sold at 45 a unit.
        self.assertAlmostEqual(self.toy.sudo().rcep_assessment_id.break_even_fob, 46.67, places=2)
        order = self.sale(price=45.0)
        with self.assertRaisesRegex(UserError, "below the break-even FOB 46.67"):
            self.issue(order)

    def test_typed_materials_products_get_a_stored_record_too(self):
        order = self.confirmed_order(self.cabinet, 5)  # rcep_eco's cabinet (typed materials)
        cert = self.issue(order)
        record = cert.line_ids.sudo().rcep_assessment_id
        self.assertEqual(record.source, "manual")
        self.assertEqual(record.verdict, "originating")
        self.assertEqual(record.product_tmpl_id, self.cabinet.product_tmpl_id)
