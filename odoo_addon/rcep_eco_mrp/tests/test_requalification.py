"""Re-qualification (issue 12.5): what changes queue which products, the queued job and its
progress, records kept as they were made (Art 3.27), and a loss of origin that needs a
manager's confirmation."""

import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from .. import originlink_bridge as core
from .common import MrpOriginCase


@tagged("post_install", "-at_install")
class TestRequalification(MrpOriginCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Three levels: cabinet <- drawer <- slide set (bought, a part of furniture like the
        # drawer: it fails the drawer's change of heading), and a board bought directly.
        cls.hafele = cls.vendor("Runner Works", "cn")
        cls.other = cls.vendor("Second Source", "vn")
        cls.timber = cls.vendor("Taiga Timber", "ru")
        cls.runner = cls.product("Drawer slide set", "9403.99")
        cls.board = cls.product("Board", "4407.91")
        cls.buy(cls.runner, cls.hafele, 10.0)
        cls.buy(cls.runner, cls.other, 9.0)  # a second vendor, not the first one
        cls.buy(cls.board, cls.timber, 30.0)
        cls.runner_decl = cls.declare(cls.hafele, cls.runner, reference="RW-1")
        cls.drawer = cls.product("Drawer", "9403.99")
        cls.bom(
            cls.drawer, [(cls.runner, 2)], operations=[(cls.workcenter("Drawer line", 60.0), 5)]
        )
        cls.cabinet = cls.product(
            "Cabinet", "9403.60", rcep_criterion="RVC", rcep_fob_amount=100.0
        ).product_tmpl_id
        cls.bom(cls.cabinet.product_variant_id, [(cls.drawer, 2), (cls.board, 1)])

    def setUp(self):
        super().setUp()
        self.run_jobs()

    def current(self):
        return self.cabinet.sudo().rcep_assessment_id

    def test_a_multi_level_roll_up(self):
        record = self.current()
        data = record._input()
        drawer = next(m for m in data["materials"] if m["description"] == "Drawer")
        # Two drawers, each: two runners at 10 + 5 minutes at 60/h = 25; so 50 per cabinet,
        # with the produced input for the two drawers (runners 40, labour 10).
        self.assertEqual(drawer["value"], "50")
        self.assertEqual(drawer["produced"]["fob"]["amount"], "50")
        self.assertEqual(drawer["produced"]["materials"][0]["value"], "40")
        self.assertEqual(drawer["produced"]["costs"]["labour"], "10")
        r = self.result(self.cabinet)
        self.assertEqual(r["rvc"]["vnm"], "30.00")
        self.assertEqual(r["intermediates"][0]["assessment"]["verdict"], "originating")
        self.assertEqual(r["verdict"], "originating")

    def test_a_confirmed_purchase_price_change_queues_every_level_above(self):
        Job = self.env["rcep.requalification"]
        before = self.current()
        line = self.env["purchase.order.line"].search(
            [("product_id", "=", self.runner.id), ("partner_id", "=", self.hafele.id)]
        )
        line.price_unit = 12.0
        job = Job.search([("state", "=", "queued")])
        self.assertIn(self.cabinet, job.product_tmpl_ids)
        self.assertIn("purchase price changed", job.trigger)
        self.assertTrue(self.cabinet.rcep_requal_pending)
        # More edits join the same queued job: one run for many changes.
        line.price_unit = 13.0
        self.board.product_tmpl_id.weight = 2.0
        self.assertEqual(Job.search([("state", "=", "queued")]), job)
        self.assertEqual(len(job.trigger.splitlines()), 3)
        job.action_run_now()
        self.assertEqual((job.state, job.progress, job.done_count), ("done", 100.0, job.total))
        after = self.current()
        self.assertNotEqual(after, before)
        self.assertEqual(after.previous_id, before)
        self.assertFalse(before.is_current)
        drawer = next(m for m in after._input()["materials"] if m["description"] == "Drawer")
        self.assertEqual(drawer["value"], "62")  # 2 x (2 x 13 + 5)
        self.assertFalse(self.cabinet.rcep_requal_pending)

    def test_an_unchanged_result_makes_no_new_record(self):
        before = self.current()
        self.env["rcep.requalification"]._enqueue(self.runner, "test: nothing changed")
        self.run_jobs()
        self.assertEqual(self.current(), before)
        self.assertTrue(self.cabinet.rcep_checked_at >= before.assessed_at)
        # The manager's button says so too, and stores nothing.
        action = self.cabinet.action_rcep_assess_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(self.current(), before)

    def test_a_supplier_change_takes_the_other_suppliers_price_and_declaration(self):
        first = self.runner.seller_ids.filtered(lambda s: s.partner_id == self.hafele)
        first.sequence = 99  # the Vietnamese vendor becomes the first
        self.run_jobs()
        runner = self.current()._evidence()
        runner = next(e for e in runner if e.get("name") == "Drawer slide set")
        self.assertEqual(runner["supplier"], "Second Source")
        self.assertEqual(runner["unit_price"], "9")
        self.assertEqual(runner["origin_status"], "missing")

    def test_a_bom_change_and_a_rule_change_requalify(self):
        self.drawer.product_tmpl_id.bom_ids.bom_line_ids.product_qty = 3
        self.run_jobs()
        drawer = next(
            m for m in self.current()._input()["materials"] if m["description"] == "Drawer"
        )
        self.assertEqual(drawer["value"], "70")  # 2 x (3 x 10 + 5)
        self.cabinet.rcep_psr_override = "CTH"
        self.run_jobs()
        self.assertEqual(self.current().rule, "CTH")
        self.assertEqual(self.current().criteria_met, "CTC")

    def test_the_cron_works_through_the_queue(self):
        self.runner_decl.reference = "RW-1a"  # not assessed: no queue
        self.assertFalse(self.env["rcep.requalification"].search([("state", "=", "queued")]))
        self.runner_decl.originating = False
        job = self.env["rcep.requalification"].search([("state", "=", "queued")])
        self.assertTrue(job)
        cron = self.env.ref("rcep_eco_mrp.ir_cron_rcep_requalify")
        self.assertEqual(cron.code, "model._cron_requalify()")
        self.env["rcep.requalification"]._cron_requalify()
        self.assertEqual(job.state, "done")
        self.assertFalse(self.cabinet.rcep_requal_pending)

    def test_loss_of_origin_raises_an_activity_and_blocks_until_confirmed(self):
        # The slide sets' declaration is withdrawn: the drawer fails its own rule (CTH: same
        # heading; RVC 20 %), the cabinet's VNM is 30 + 40 = 70: RVC 30 %, CTH failed by the
        # drawer, de minimis 40 %.
        self.runner_decl.action_mark_refused()
        self.run_jobs()
        lost = self.current()
        self.assertEqual(lost.verdict, "not_originating")
        self.assertTrue(lost.origin_lost)
        self.assertTrue(self.cabinet.rcep_origin_lost)
        activity = self.cabinet.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("rcep_eco_mrp.mail_activity_origin_lost")
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("blocked", activity.note)
        self.assertIn("origin lost", self.cabinet.rcep_missing)
        self.cabinet.action_rcep_confirm_origin()
        self.assertFalse(self.cabinet.rcep_origin_lost)
        self.assertTrue(lost.confirmed_on)
        self.assertFalse(self.cabinet.activity_ids.filtered(lambda a: a.id == activity.id))
        self.assertNotIn("origin lost", self.cabinet.rcep_missing or "")

    def test_records_are_kept_as_made_and_reproducible(self):
        record = self.current()
        with self.assertRaises(UserError):
            record.write({"verdict": "not_originating"})
        with self.assertRaises(UserError):
            record.unlink()
        self.assertEqual(record.keep_until.year, record.assessed_on.year + 3)
        # The stored input gives the stored result again (the same engine and rules).
        again, _ = core.assess(record._input(), core.psr_table())
        self.assertEqual(again.to_json_dict(), json.loads(record.result_json))
        action = record.action_download_record()
        attachment = self.env["ir.attachment"].browse(
            int(action["url"].split("/")[3].split("?")[0])
        )
        payload = json.loads(attachment.raw)
        self.assertEqual(payload["input_sha256"], record.input_sha256)
        self.assertEqual(payload["declarations"][0]["reference"], "RW-1")

    def test_decimal_values_from_units_and_currencies(self):
        """A BOM made for 4 units with screws bought by the dozen in CNY: per-unit values in
        the company's currency at Odoo's rate, exact."""
        cny = self.env.ref("base.CNY")
        cny.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": cny.id,
                "rate": 7.2,
                "name": "2020-01-01",
                "company_id": self.company.id,
            }
        )
        dozen = self.env.ref("uom.product_uom_dozen")
        screws = self.product("Screws", "7318.12")
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.hafele.id,
                "currency_id": cny.id,
                "order_line": [
                    (0, 0, {"product_id": screws.id, "product_qty": 10, "product_uom_id": dozen.id,
                            "price_unit": 36.0, "tax_ids": [(5, 0, 0)]})
                ],
            }
        )  # fmt: skip
        order.button_confirm()
        shelf = self.product("Shelf", "9403.60", rcep_criterion="RVC", rcep_fob_amount=10.0)
        self.bom(shelf, [(screws, 6)], qty=4)
        record = shelf.product_tmpl_id._rcep_mrp_assess("test")
        screw = record._input()["materials"][0]
        # 36 CNY a dozen = 3 CNY a screw = 0.41666… USD at 7.2; 6 screws per 4 shelves = 1.5
        # per shelf: 0.625 USD, exact.
        self.assertEqual(screw["value"], "0.625")
        evidence = record._evidence()[0]
        self.assertIn(order.name, evidence["price_text"])
        self.assertIn("CNY", evidence["price_text"])
