"""Supplier origin declarations as records: scope (product or category), validity, requests,
reminders and renewals by e-mail, and what a missing or expired one does to an assessment."""

from datetime import timedelta

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger
from psycopg2 import IntegrityError

from .common import MrpOriginCase


@tagged("post_install", "-at_install")
class TestDeclarations(MrpOriginCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paints = cls.vendor("Lingnan Paints", "cn")
        cls.coatings = cls.env["product.category"].create({"name": "Coatings"})
        cls.lacquers = cls.env["product.category"].create(
            {"name": "Lacquers", "parent_id": cls.coatings.id}
        )
        cls.paint = cls.product("Lacquer", "3208.90", categ_id=cls.lacquers.id)
        cls.wood = cls.product("Sawn oak", "4407.91")
        cls.buy(cls.paint, cls.paints, 8.0)
        cls.buy(cls.wood, cls.vendor("Taiga Timber", "ru"), 52.0)
        cls.cabinet = cls.product(
            "Cabinet", "9403.60", rcep_criterion="RVC", rcep_fob_amount=100.0
        ).product_tmpl_id
        cls.bom(cls.cabinet.product_variant_id, [(cls.paint, 1), (cls.wood, 1)])

    def material(self, name):
        record = self.cabinet._rcep_mrp_assess("test") or self.cabinet.sudo().rcep_assessment_id
        return next(m for m in record._input()["materials"] if m["description"] == name)

    def test_a_category_declaration_covers_sub_categories_and_a_product_one_wins(self):
        self.declare(self.paints, categ_id=self.coatings.id, reference="LP-CAT-2026")
        paint = self.material("Lacquer")
        self.assertEqual((paint["originating"], paint["origin_country"]), (True, "CN"))
        self.assertEqual(paint["proof"], "LP-CAT-2026")
        # RVC: (100 - 52) / 100 = 48 % with the paint originating.
        self.assertEqual(self.result(self.cabinet)["verdict"], "originating")
        self.declare(self.paints, self.paint, originating=False, country="cn", reference="LP-8")
        self.run_jobs()
        paint = self.material("Lacquer")
        self.assertIs(paint["originating"], False)
        self.assertEqual(self.result(self.cabinet)["rvc"]["build_down"], "40.00")

    def test_missing_declaration_is_undetermined_and_named(self):
        record = self.cabinet._rcep_mrp_assess("test")
        paint = next(m for m in record._input()["materials"] if m["description"] == "Lacquer")
        self.assertEqual((paint["originating"], paint["origin_country"]), (False, None))
        # VNM 60: RVC 40 % still passes here, but the paint counted as non-originating.
        self.assertEqual(self.result(self.cabinet)["rvc"]["vnm"], "60.00")
        texts = [
            r["text"] for r in record._reasons() if r["code"] == "SUPPLIER_DECLARATION_MISSING"
        ]
        self.assertTrue(any("Lacquer" in t and "Lingnan Paints" in t for t in texts), texts)

    def test_a_requested_declaration_is_not_evidence(self):
        decl = self.env["rcep.supplier.declaration"].create(
            {"partner_id": self.paints.id, "product_tmpl_id": self.paint.product_tmpl_id.id}
        )
        self.assertEqual((decl.state, decl.validity), ("requested", "pending"))
        record = self.cabinet._rcep_mrp_assess("test")
        codes = [r["code"] for r in record._reasons()]
        self.assertIn("SUPPLIER_DECLARATION_REQUESTED", codes)

    def test_request_e_mails_the_portal_link(self):
        decl = self.env["rcep.supplier.declaration"].create(
            {"partner_id": self.paints.id, "product_tmpl_id": self.paint.product_tmpl_id.id}
        )
        decl.action_request()
        self.assertEqual(decl.requested_on, self.today)
        message = decl.message_ids.filtered(lambda m: "/my/origin-declarations/" in (m.body or ""))
        self.assertEqual(len(message), 1)
        self.assertIn(f"access_token={decl.access_token}", message.body)
        self.assertIn(self.paints, message.partner_ids)
        self.assertIn("Lacquer", message.subject)

    def test_a_received_declaration_names_a_party_and_an_end(self):
        with self.assertRaises(ValidationError):
            self.declare(self.paints, self.paint, country="us")  # not an RCEP Party
        with self.assertRaises(ValidationError):
            self.declare(self.paints, self.paint, date_to=False)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.declare(
                self.paints,
                self.paint,
                date_from=self.today,
                date_to=self.today - timedelta(days=1),
            )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["rcep.supplier.declaration"].create({"partner_id": self.paints.id})

    def test_validity_states(self):
        decl = self.declare(self.paints, self.paint, days=10)
        self.assertEqual(decl.validity, "expiring")  # within the 30 days of the reminder
        self.assertEqual(
            decl.with_context(rcep_today=self.today + timedelta(days=11)).validity, "expired"
        )
        self.assertEqual(
            decl.with_context(rcep_today=self.today - timedelta(days=31)).validity, "not_yet"
        )
        self.company.rcep_declaration_reminder_days = 5
        decl.invalidate_recordset(["validity"])
        self.assertEqual(decl.validity, "valid")
        self.assertIn(
            decl, self.env["rcep.supplier.declaration"].search([("validity", "=", "valid")])
        )

    def test_cron_requests_a_renewal_before_expiry_and_reminds_a_silent_supplier(self):
        decl = self.declare(self.paints, self.paint, days=10)
        Decl = self.env["rcep.supplier.declaration"]
        Decl._cron_declarations()
        renewal = decl.renewal_ids
        self.assertEqual(len(renewal), 1)
        self.assertEqual((renewal.state, renewal.requested_on), ("requested", self.today))
        self.assertEqual(renewal.date_from, decl.date_to + timedelta(days=1))
        self.assertTrue(renewal.message_ids.filtered(lambda m: "please renew" in (m.body or "")))
        Decl._cron_declarations()
        self.assertEqual(len(decl.renewal_ids), 1, "one renewal request, not one a day")
        # A week without an answer: a reminder.
        renewal.requested_on = self.today - timedelta(days=8)
        Decl._cron_declarations()
        self.assertEqual(renewal.reminded_on, self.today)
        self.assertTrue(
            renewal.message_ids.filtered(lambda m: (m.subject or "").startswith("Reminder"))
        )

    def test_cron_requalifies_when_a_declaration_expires(self):
        decl = self.declare(self.paints, self.paint)
        self.cabinet._rcep_mrp_assess("test")
        self.run_jobs()
        Decl = self.env["rcep.supplier.declaration"]
        Decl._cron_declarations()  # records what it saw: valid
        self.run_jobs()
        self.assertEqual(decl.validity_seen, "valid")
        later = self.today + timedelta(days=400)
        Decl.with_context(rcep_today=later)._cron_declarations()
        job = self.env["rcep.requalification"].search([("state", "=", "queued")])
        self.assertIn(self.cabinet, job.product_tmpl_ids)
        self.assertIn("declaration validity changed", job.trigger)

    def test_request_missing_declarations_from_the_product(self):
        self.cabinet._rcep_mrp_assess("test")
        action = self.cabinet.action_rcep_request_declarations()
        requested = self.env["rcep.supplier.declaration"].search(action["domain"])
        self.assertEqual(
            sorted(requested.mapped("partner_id.name")), ["Lingnan Paints", "Taiga Timber"]
        )
        self.assertEqual(set(requested.mapped("state")), {"requested"})
        self.assertTrue(all(requested.mapped("requested_on")))
