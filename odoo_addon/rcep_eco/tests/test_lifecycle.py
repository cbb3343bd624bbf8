import requests
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RcepCase, load_exchange


@tagged("post_install", "-at_install")
class TestCertificateLifecycle(RcepCase):
    def replace(self):
        """Issue the original, then replace it with the corrected one (Art 3.17.5)."""
        original = self.issued_certificate()
        action = original.action_replace()
        new = self.env["rcep.certificate"].browse(action["res_id"])
        self.assertEqual(new.state, "draft")
        self.assertEqual(new.replaces_id, original)
        new.write({"name": "RCEP-2026-000002", "replace_reason": "quantity corrected to 30 units"})
        new.line_ids.write({"quantity": 30, "fob_value": 3000.0, "gross_weight": 960.0})
        with self.service("replace_201"):
            new.action_send()
        return original, new

    def test_status_pull_follows_the_service(self):
        cert = self.issued_certificate()
        self.assertEqual(cert.last_event_seq, 2)  # received, issued
        with self.service("status_replaced", "events_replaced"):
            self.env["rcep.certificate"]._cron_pull_status()
        self.assertEqual(cert.state, "replaced")
        chatter = " ".join(self.chatter(cert))
        self.assertIn("Issued → Replaced. Reported by the service.", chatter)
        # Only the new event is told, with its details.
        self.assertIn("Service event 3: replaced by", chatter)
        self.assertIn("article: Art 3.17.5; reason: quantity corrected to 30 units", chatter)
        self.assertNotIn("Service event 2", chatter)
        self.assertEqual(cert.last_event_seq, 3)
        # A final state is not asked about again, even in the next hourly round.
        self.env["ir.config_parameter"].sudo().set_param(
            "rcep_eco.last_full_status_pull", "2000-01-01 00:00:00"
        )
        with self.service():
            self.env["rcep.certificate"]._cron_pull_status()

    def test_replace(self):
        original, new = self.replace()
        answer = load_exchange("replace_201")["response"]
        self.assertEqual(new.state, "issued")
        self.assertEqual(new.service_id, answer["id"])
        self.assertEqual(answer["replaces"], original.service_id)
        self.assertEqual(original.state, "replaced")
        self.assertEqual(original.replaced_by_id, new)
        self.assertIn("Replaced by RCEP-2026-000002", " ".join(self.chatter(original)))

    def test_replace_needs_a_reason(self):
        original = self.issued_certificate()
        new = self.env["rcep.certificate"].browse(original.action_replace()["res_id"])
        with self.assertRaisesRegex(UserError, "replaces the original"):
            new.action_send()

    def test_certified_true_copy(self):
        _original, cert = self.replace()
        action = cert.action_certified_true_copy()
        wizard = (
            self.env[action["res_model"]]
            .with_context(action["context"])
            .create({"copy_reason": "lost", "note": "original lost in transit"})
        )
        with self.service("certified_true_copy_201"):
            result = wizard.action_confirm()
        answer = load_exchange("certified_true_copy_201")["response"]
        copy = self.env["rcep.certificate"].browse(result["res_id"])
        self.assertEqual(copy.copy_of_id, cert)
        self.assertEqual(copy.service_id, answer["id"])
        self.assertEqual(copy.state, "issued")
        self.assertEqual(
            str(copy.certified_on), answer["certificate"]["certified_true_copy"]["certified_on"]
        )
        self.assertEqual(cert.state, "issued", "the original stays valid (Art 3.17.9)")
        self.assertIn("Certified true copy issued (lost", " ".join(self.chatter(cert)))

    def test_cancel(self):
        _original, cert = self.replace()
        action = cert.action_cancel()
        wizard = (
            self.env[action["res_model"]]
            .with_context(action["context"])
            .create({"reason": "order cancelled by the buyer"})
        )
        with self.service("cancel_200") as replay:
            wizard.action_confirm()
        self.assertEqual(cert.state, "cancelled")
        self.assertEqual(
            replay.calls[0]["headers"]["Idempotency-Key"], f"{cert.idempotency_key}:cancel"
        )
        self.assertIn(
            "Issued → Cancelled. order cancelled by the buyer", " ".join(self.chatter(cert))
        )
        with self.assertRaises(UserError):
            cert.action_cancel()

    def test_cancel_refused_keeps_state_and_stores_error(self):
        _original, cert = self.replace()
        with self.service("cancel_409"):
            result = cert._do_cancel("order cancelled by the buyer")
        self.assertEqual(cert.state, "issued")
        self.assertIn("HTTP 409 invalid_state", cert.last_error)
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("Cancellation failed", " ".join(self.chatter(cert)))

    def test_cancel_a_draft_stays_local(self):
        cert = self.create_certificate()
        with self.service():
            cert.action_cancel()
        self.assertEqual(cert.state, "cancelled")

    def test_no_local_cancel_while_a_send_is_in_flight(self):
        cert = self.create_certificate()
        with self.service(requests.ConnectionError("connection reset")):
            cert.action_send()
        self.assertEqual(cert.state, "to_send")
        with self.assertRaisesRegex(UserError, "is being sent"):
            cert.action_cancel()

    def test_every_change_is_told_in_the_chatter(self):
        cert = self.create_certificate()
        # Tracking runs as a precommit hook, and not for changes in the creating transaction.
        self.env.flush_all()
        self.env.cr.flush()
        cert.write({"vessel_or_flight": "EVER GIVEN V.001", "remarks": "partial shipment"})
        cert.line_ids.write({"quantity": 30})
        self.env.flush_all()
        self.env.cr.flush()
        cert.invalidate_recordset(["message_ids"])
        tracked = cert.message_ids.tracking_value_ids.field_id.mapped("name")
        self.assertIn("vessel_or_flight", tracked)
        self.assertIn("remarks", tracked)
        self.assertIn("Goods item Wooden cabinet PR-C120 changed: Quantity: 40.0 → 30.0",
                      " ".join(self.chatter(cert)))  # fmt: skip

    def test_a_sent_document_is_frozen(self):
        cert = self.issued_certificate()
        with self.assertRaisesRegex(UserError, r"its importer_id can no longer change"):
            cert.write({"importer_id": self.env.company.partner_id.id})
        with self.assertRaisesRegex(UserError, r"its line_ids can no longer change"):
            cert.line_ids.write({"quantity": 1})
        with self.assertRaisesRegex(UserError, r"its line_ids can no longer change"):
            cert.line_ids.unlink()
        with self.assertRaisesRegex(UserError, r"cancel it instead of deleting it"):
            cert.unlink()
        self.assertEqual(cert.importer_id, self.buyer)
        self.assertEqual(cert.line_ids.quantity, 40)
        # Service fields still follow the service; a never-sent draft may be deleted.
        cert.write({"last_error": "status pull failed"})
        draft = self.create_certificate(self.confirmed_order(self.cabinet, 5))
        draft.unlink()
        self.assertFalse(draft.exists())

    def test_state_is_read_only(self):
        field = self.env["rcep.certificate"]._fields["state"]
        self.assertTrue(field.readonly)
        view = self.env.ref("rcep_eco.rcep_certificate_view_form")
        self.assertIn('name="state" widget="statusbar"', view.arch_db)
        # ...and read-only for writes too (RPC, imports): only _set_state changes it.
        cert = self.issued_certificate()
        with self.assertRaisesRegex(UserError, r"field state"):
            cert.write({"state": "accepted"})
        with self.assertRaisesRegex(UserError, r"field state"):
            cert.copy().write({"state": "issued"})
        with self.assertRaisesRegex(UserError, r"created as a draft \(field state\)"):
            self.env["rcep.certificate"].create({"importer_id": self.buyer.id, "state": "accepted"})
        self.assertEqual(cert.state, "issued")

    def test_a_malformed_answer_is_an_error_naming_the_field_never_a_traceback(self):
        # A 2xx without the certificate's id (a proxy, a broken service): retried with the
        # same Idempotency-Key, which makes the service replay the answer it stored.
        cert = self.create_certificate()
        broken = load_exchange("create_201")
        del broken["response"]["id"]
        with self.service(broken):
            cert.action_send()
        self.assertEqual(cert.state, "to_send")
        self.assertIn("no valid id (str expected)", cert.last_error)
        key = cert.idempotency_key
        with self.service("create_201"):
            cert._send()
        self.assertEqual(cert.state, "issued")
        self.assertEqual(cert.idempotency_key, key)

        # A status page without a version, then events without their sequence numbers.
        status = load_exchange("status_replaced")
        status["response"]["version"] = "3"
        with self.service(status):
            cert._pull_status()
        self.assertEqual(cert.state, "issued")
        self.assertIn("no valid version (int expected)", cert.last_error)
        events = load_exchange("events_replaced")
        del events["response"]["items"][-1]["seq"]
        with self.service("status_replaced", events):
            cert._pull_status()
        self.assertIn("no valid items[2].seq (int expected)", cert.last_error)
        self.assertIn("Status pull failed", " ".join(self.chatter(cert)))
