"""Certificates from deliveries: the departure date is the delivery's date done, the
quantities what it delivered, and partial deliveries add up per order line."""

from odoo.addons.rcep_eco.tests.common import CLERK, RcepCase, RcepData, RealService
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged


def deliver(picking, qty, when):
    """Deliver `qty` of the picking's only move on `when`, keeping a backorder for the rest."""
    picking.move_ids.quantity = qty
    picking.move_ids.picked = True
    result = picking.button_validate()
    if isinstance(result, dict) and result.get("res_model") == "stock.backorder.confirmation":
        Form(picking.env[result["res_model"]].with_context(result["context"])).save().process()
    picking.date_done = when
    return picking


@tagged("post_install", "-at_install")
class TestCertificateFromDelivery(RcepCase):
    def setUp(self):
        super().setUp()
        self.picking = self.order.picking_ids

    def from_delivery(self, picking):
        action = picking.action_rcep_open_wizard()
        return self.env[action["res_model"]].with_context(action["context"]).create({})

    def test_departure_date_is_the_deliverys_date_done(self):
        self.assertEqual(len(self.picking), 1)
        # Before delivery: the date it is scheduled for.
        self.picking.scheduled_date = "2026-12-01 09:00:00"
        self.assertEqual(str(self.wizard().departure_date), "2026-12-01")
        deliver(self.picking, 40, "2026-12-02 16:30:00")
        self.assertEqual(str(self.wizard().departure_date), "2026-12-02")
        wizard = self.from_delivery(self.picking)
        self.assertEqual(str(wizard.departure_date), "2026-12-02")
        cert = self.env["rcep.certificate"].browse(wizard.action_create()["res_id"])
        self.assertEqual(cert.picking_id, self.picking)
        self.assertEqual(str(cert.departure_date), "2026-12-02")
        self.assertEqual(self.picking.rcep_certificate_count, 1)

    def test_partial_deliveries_add_up_per_order_line(self):
        first = deliver(self.picking, 25, "2026-12-02 10:00:00")
        self.assertTrue(first.rcep_can_certify)
        cert1 = self.env["rcep.certificate"].browse(
            self.from_delivery(first).action_create()["res_id"]
        )
        self.assertEqual(cert1.line_ids.quantity, 25)
        second = self.order.picking_ids - first
        deliver(second, 15, "2026-12-05 10:00:00")
        wizard = self.from_delivery(second)
        self.assertEqual(wizard.line_ids.quantity, 15)
        self.assertEqual(str(wizard.departure_date), "2026-12-05")
        cert2 = self.env["rcep.certificate"].browse(wizard.action_create()["res_id"])
        self.assertEqual(self.order.order_line.qty_delivered, 40)
        # The first delivery again: nothing of it is left to certify, and forcing it is
        # refused, naming the certificates that hold the goods.
        again = self.from_delivery(first)
        self.assertEqual(again.line_ids.quantity, 0)
        self.assertFalse(again.line_ids.include)
        again.line_ids.write({"include": True, "quantity": 25})
        with self.assertRaisesRegex(
            UserError, f"already certified by {cert1.name} \\(Draft\\), {cert2.name} \\(Draft\\)"
        ):
            again.action_create()

    def test_only_done_deliveries_of_confirmed_orders(self):
        self.assertFalse(self.picking.rcep_can_certify)
        view = self.env["stock.picking"].get_view(self.env.ref("stock.view_picking_form").id)
        self.assertIn('name="action_rcep_open_wizard"', view["arch"])


@tagged("post_install", "-at_install", "rcep_tours")
class TestDeliveryTour(RcepData, RealService, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rcep_data()
        cls.start_real_service(exporter="Pearl River deliveries")
        cls.company.write({"rcep_service_url": cls.service_url, "rcep_api_key": cls.service_key})
        new_test_user(
            cls.env,
            login="stock_clerk",
            groups=f"{CLERK},base.group_user,stock.group_stock_user",
            name="Wu Clerk",
        )

    def test_issue_from_the_delivery(self):
        picking = deliver(self.order.picking_ids, 40, "2026-11-27 15:00:00")
        self.start_tour(
            f"/odoo/action-stock.action_picking_tree_all/{picking.id}",
            "rcep_eco_stock_tour_delivery",
            login="stock_clerk",
        )
        cert = picking.rcep_certificate_ids
        self.assertEqual(len(cert), 1, "the pre-check created nothing")
        self.assertEqual(cert.state, "issued", cert.last_error)
        self.assertEqual(str(cert.departure_date), "2026-11-27")
        self.assertEqual(cert.line_ids.quantity, 40)
