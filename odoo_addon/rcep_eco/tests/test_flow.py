"""The clerk's flow from a sales order, as issue 11 found it: the wizard saves its lines, FOB
follows Box 12's rule, goods not ready are refused (a manager may override, logged), the same
goods are never certified twice, and what the certificate shows follows the order."""

from contextlib import contextmanager
from unittest.mock import ANY, patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.sql_db import BaseCursor
from odoo.tests import Form, new_test_user, tagged

from ..models import rcep_certificate
from ..models.sale_order import SaleOrder as RcepSaleOrder
from .common import CLERK, MANAGER, RcepCase, created_exchange


@tagged("post_install", "-at_install")
class TestWizardFromTheWebClient(RcepCase):
    def test_wizard_saves_its_lines_as_the_web_client_sends_them(self):
        """`Form` sends what the web client sends: read-only fields only with force_save. The
        order line is read-only in the dialog; without force_save it never arrived."""
        clerk = new_test_user(self.env, login="clerk_form", groups=CLERK)
        wizard_model = self.env["rcep.certificate.wizard"].with_user(clerk)
        with Form(wizard_model.with_context(default_sale_order_id=self.order.id)) as form:
            form.vessel_or_flight = "COSCO HARMONY V.026S"
            with form.line_ids.edit(0) as line:
                line.packages_number = 40
        wizard = form.record
        self.assertEqual(wizard.line_ids.sale_line_id, self.order.order_line)
        self.assertEqual(wizard.line_ids.quantity, 40)
        cert = self.env["rcep.certificate"].browse(
            wizard.with_user(clerk).action_create()["res_id"]
        )
        self.assertEqual(cert.line_ids.sale_line_id, self.order.order_line)
        self.assertEqual(cert.line_ids.packages_number, 40)

    def test_services_and_notes_are_not_goods(self):
        fee = self.env["product.product"].create({"name": "Documentation fee", "type": "service"})
        self.order.write(
            {
                "order_line": [
                    fields.Command.create({"product_id": fee.id, "product_uom_qty": 1}),
                    fields.Command.create({"display_type": "line_note", "name": "Fragile"}),
                ]
            }
        )
        wizard = self.wizard()
        self.assertEqual(wizard.line_ids.product_id, self.cabinet)


@tagged("post_install", "-at_install")
class TestFobRule(RcepCase):
    """Annex 3B, Box 12: FOB required where RVC was used; optional otherwise; never an error
    to show it."""

    def line_for(self, criterion, **product_vals):
        self.cabinet.write({"rcep_criterion": criterion, **product_vals})
        order = self.confirmed_order(self.cabinet, 10)
        cert = self.create_certificate(order)
        return cert, cert._build_document()["goods_items"][0]

    def test_rvc_line_carries_its_fob(self):
        cert, item = self.line_for("RVC")
        self.assertTrue(cert.line_ids.fob_shown)
        self.assertEqual(item["fob_value"], {"amount": "1000.00", "currency": "USD"})
        self.assertEqual(item["evidence"]["rvc"]["formula"], "build_down")

    def test_ctc_line_leaves_fob_out_unless_the_company_shows_it(self):
        cert, item = self.line_for("CTC")
        self.assertFalse(cert.line_ids.fob_shown)
        self.assertIsNone(item["fob_value"])
        self.assertIsNone(item["evidence"]["rvc"])
        # The core accepts the document as it is sent.
        self.assertEqual(cert._check_document()["goods_items"][0]["fob_value"], None)
        self.company.rcep_show_fob = True
        cert.invalidate_recordset(["line_ids"])
        self.assertTrue(cert.line_ids.fob_shown)
        item = cert._build_document()["goods_items"][0]
        self.assertEqual(item["fob_value"], {"amount": "1000.00", "currency": "USD"})
        # Showing it is never an error: the core accepts the document with it.
        self.assertEqual(cert._check_document()["goods_items"][0]["fob_value"]["amount"], "1000.00")

    def test_acu_lines_carry_fob(self):
        """ACU reached through RVC needs FOB; showing it on any ACU line is never an error."""
        tmpl = self.cabinet.product_tmpl_id
        vn = self.env["res.country"].search([("code", "=", "VN")])
        # RVC fails on its own (VNM 65 of FOB 100, no costs) and passes with the Vietnamese
        # originating parts counted (Art 3.4): ACU.
        tmpl.rcep_material_ids.unlink()
        tmpl.write(
            {
                "rcep_cost_labour": 0,
                "rcep_cost_overhead": 0,
                "rcep_cost_profit": 0,
                "rcep_cost_other": 0,
                "rcep_material_ids": [
                    fields.Command.create(
                        {"name": "panels", "hs_code": "940399", "value": 35.0,
                         "origin_country_id": vn.id, "originating": True, "proof": "VN-CO-7"}
                    ),
                    fields.Command.create(
                        {"name": "hinges", "hs_code": "940399", "value": 30.0,
                         "origin_country_id": self.env.ref("base.ru").id}
                    ),
                ],
            }
        )  # fmt: skip
        self.assertEqual(tmpl.rcep_criteria_met, "ACU")
        cert, item = self.line_for("ACU")
        self.assertEqual(cert.line_ids.criterion_basis, "RVC")
        self.assertTrue(cert.line_ids._fob_required())
        self.assertEqual(item["criterion_basis"], "RVC")
        self.assertEqual(item["fob_value"]["amount"], "1000.00")
        self.assertEqual(item["evidence"]["rvc"]["formula"], "build_down")
        # The core accepts it as sent, and refuses it without the FOB (Annex 3B).
        cert._check_document()
        cert.line_ids.criterion_basis = False
        self.company.rcep_show_fob = False
        item = cert._build_document()["goods_items"][0]
        self.assertIn("fob_value", item)
        self.assertNotIn("criterion_basis", item)


@tagged("post_install", "-at_install")
class TestReadiness(RcepCase):
    def make_not_ready(self):
        # Claims RVC, but with VNM 70 of FOB 100 the RVC is 30 %: not ready, and says why.
        tmpl = self.cabinet.product_tmpl_id
        tmpl.rcep_material_ids.filtered(lambda m: m.hs_code == "440799").value = 70.0
        costs = ("rcep_cost_labour", "rcep_cost_overhead", "rcep_cost_profit", "rcep_cost_other")
        tmpl.write(dict.fromkeys(costs, 5.0))
        self.assertFalse(tmpl.rcep_ready)
        return tmpl

    def test_goods_not_ready_are_refused_with_the_reason(self):
        tmpl = self.make_not_ready()
        wizard = self.wizard()
        self.assertIn("Wooden cabinet PR-C120 is not ready for e-CO", wizard.blocking_problems)
        self.assertIn(tmpl.rcep_missing, wizard.blocking_problems)
        with self.assertRaisesRegex(UserError, "is not ready for e-CO: claimed criterion"):
            wizard.action_create()
        self.assertFalse(self.order.rcep_certificate_ids)
        # A draft made before the product lost its readiness is refused at sending.
        self.cabinet.product_tmpl_id.rcep_criterion = "CTC"
        cert = self.create_certificate()
        self.cabinet.product_tmpl_id.rcep_criterion = "RVC"
        with self.service(), self.assertRaisesRegex(UserError, "cannot be sent yet"):
            cert.action_send()

    def test_the_pre_check_says_odoo_refuses_before_the_service_answers(self):
        cert = self.create_certificate()
        self.make_not_ready()
        request = cert._build_document()
        answer = {
            "valid": True,
            "errors": [],
            "warnings": [],
            "classification": {"lane": "green", "reasons": ["ok"]},
        }
        with self.service(
            {
                "method": "POST",
                "path": "/v1/precheck",
                "request": request,
                "status": 200,
                "response": answer,
            }
        ):
            cert.action_precheck()
        self.assertTrue(cert.precheck_result.startswith("Odoo will not send this certificate yet"))
        self.assertIn("is not ready for e-CO", cert.precheck_result)

    def test_a_manager_overrides_with_a_reason_logged(self):
        # Not ready because its value data are incomplete (the assessment cannot run): a
        # manager may still send it, saying why. (A document the core refuses, e.g. an RVC
        # claim its own evidence contradicts, is never sent, override or not.)
        tmpl = self.cabinet.product_tmpl_id
        tmpl.write({"rcep_criterion": "CTC", "rcep_fob_amount": 0.0})
        self.assertIn("FOB value per unit", tmpl.rcep_missing)
        manager = new_test_user(self.env, login="rcep_boss", groups=MANAGER)
        wizard = self.wizard(user=manager)
        wizard.readiness_override_reason = "supplier declaration renewed, assessment pending"
        self.assertFalse(wizard.blocking_problems)
        cert = self.env["rcep.certificate"].browse(wizard.action_create()["res_id"])
        self.assertEqual(
            cert.sudo().readiness_override_reason,
            "supplier declaration renewed, assessment pending",
        )
        # Logged: who and why; told again with the products when it is sent.
        self.assertIn(
            f"Readiness overridden by {manager.name}: supplier declaration renewed",
            " ".join(self.chatter(cert)),
        )
        document = cert._build_document()
        document["number"] = cert.name
        answer = {"id": "srv-1", "state": "issued", "version": 2}
        with self.service(
            {
                "method": "POST",
                "path": "/v1/certificates",
                "request": document,
                "status": 201,
                "response": answer,
            }
        ):
            cert.with_user(manager).action_send()
        self.assertEqual(cert.state, "issued")
        told = " ".join(self.chatter(cert))
        self.assertIn("Sent although not ready for e-CO (override: supplier declaration", told)
        self.assertIn(tmpl.rcep_missing, told)

    def test_a_clerk_cannot_override(self):
        self.make_not_ready()
        clerk = new_test_user(self.env, login="rcep_clerk_o", groups=CLERK)
        wizard = self.wizard(user=clerk)
        with self.assertRaises(AccessError):
            wizard.write({"readiness_override_reason": "because"})


@tagged("post_install", "-at_install")
class TestDoubleCertification(RcepCase):
    def partial(self, qty, order=None):
        wizard = self.wizard(order)
        wizard.line_ids.quantity = qty
        return self.env["rcep.certificate"].browse(wizard.action_create()["res_id"])

    def test_partial_certificates_add_up_per_order_line(self):
        first = self.partial(25)
        # What is left is offered next time.
        self.assertEqual(self.wizard().line_ids.quantity, 15)
        second = self.partial(15)
        self.assertEqual(sum((first | second).line_ids.mapped("quantity")), 40)
        # Nothing left: the line is offered unticked, and a third certificate is refused,
        # naming the certificates that already hold the goods.
        wizard = self.wizard()
        self.assertFalse(wizard.line_ids.include)
        wizard.line_ids.write({"include": True, "quantity": 1})
        message = f"40.0 Units already certified by {first.name} (Draft), {second.name} (Draft)"
        self.assertIn(message, wizard.blocking_problems)
        with self.assertRaisesRegex(UserError, message.replace("(", r"\(").replace(")", r"\)")):
            wizard.action_create()

    def test_a_cancelled_certificate_frees_its_goods(self):
        first = self.partial(40)
        first.action_cancel()
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(self.partial(40).line_ids.quantity, 40)

    def test_sending_checks_again(self):
        first = self.partial(40)
        first.action_cancel()
        second = self.partial(40)
        # A draft whose goods were certified meanwhile by another one cannot be sent.
        first_copy = second.copy()
        with (
            self.service(),
            self.assertRaisesRegex(UserError, f"already certified by {second.name}"),
        ):
            first_copy.action_send()

    def test_a_replacement_takes_over_its_originals_goods(self):
        original = self.issued_certificate()
        replacement = self.env["rcep.certificate"].browse(original.action_replace()["res_id"])
        self.assertFalse(replacement.line_ids._double_certification_problems())


@tagged("post_install", "-at_install")
class TestWhatTheCertificateFollows(RcepCase):
    def test_importing_party_follows_a_corrected_customer_until_sent(self):
        draft = self.create_certificate(self.confirmed_order(self.cabinet, 5))
        issued = self.issued_certificate()
        self.buyer.country_id = self.env.ref("base.th")
        self.assertEqual(draft.importing_country_id.code, "TH")
        self.assertEqual(issued.importing_country_id.code, "VN", "a sent document is frozen")

    def test_pre_check_banner_is_cleared_when_sent(self):
        cert = self.create_certificate()
        with self.service("precheck_valid"):
            cert.action_precheck()
        self.assertTrue(cert.precheck_result)
        self.issued_certificate(cert)
        self.assertFalse(cert.precheck_result)
        self.assertFalse(cert.can_send)

    def test_departure_date_from_the_order_without_delivery(self):
        # rcep_eco's own rule (rcep_eco_stock reads the delivery first, tested there).
        self.order.commitment_date = "2026-12-03 08:00:00"
        self.assertEqual(str(RcepSaleOrder._rcep_departure_date(self.order)), "2026-12-03")

    def test_box_13_from_the_posted_invoice(self):
        invoice = self.order._create_invoices()
        invoice.invoice_date = "2026-11-18"
        invoice.action_post()
        wizard = self.wizard()
        self.assertEqual(wizard.invoice_number, invoice.name)
        self.assertEqual(str(wizard.invoice_date), "2026-11-18")

    def test_destination_requiring_the_invoice(self):
        self.vn.rcep_invoice_required = True
        cert = self.create_certificate(invoice_number=False, invoice_date=False)
        with (
            self.service(),
            self.assertRaisesRegex(
                UserError, "The customs of Vietnam require the invoice number and date"
            ),
        ):
            cert.action_send()
        self.assertEqual(cert.state, "draft")
        cert.write({"invoice_number": "PRF-INV-2026-0917", "invoice_date": "2026-11-18"})
        self.issued_certificate(cert)


@tagged("post_install", "-at_install")
class TestOrderListState(RcepCase):
    def test_state_column_filter_and_group_by(self):
        orders = self.env["sale.order"]
        self.assertFalse(self.order.rcep_certificate_state)
        self.assertIn(
            self.order,
            orders.search([("rcep_certificate_state", "=", False), ("state", "=", "sale")]),
        )
        cert = self.create_certificate()
        self.assertEqual(self.order.rcep_certificate_state, "draft")
        self.issued_certificate(cert)
        self.assertEqual(self.order.rcep_certificate_state, "issued")
        self.assertIn(self.order, orders.search([("rcep_certificate_in_force", "=", True)]))
        self.assertNotIn(self.order, orders.search([("rcep_certificate_attention", "=", True)]))
        groups = orders.formatted_read_group(
            [("id", "=", self.order.id)], ["rcep_certificate_state"], ["__count"]
        )
        self.assertEqual(
            groups,
            [
                {
                    "rcep_certificate_state": "issued",
                    "__count": 1,
                    "__extra_domain": [("rcep_certificate_state", "=", "issued")],
                }
            ],
        )
        # A refused one (the service's refusal sets "Failed") asks for attention first.
        other = self.create_certificate(self.confirmed_order(self.cabinet, 1))
        other._set_state("error", "refused")
        self.assertEqual(other.sale_order_id.rcep_certificate_state, "error")
        attention = orders.search([("rcep_certificate_attention", "=", True)])
        self.assertIn(other.sale_order_id, attention)
        self.assertNotIn(self.order, attention)

    def test_views_show_the_state_as_a_badge_with_filters(self):
        list_arch = self.env["sale.order"].get_view(
            self.env.ref("sale.view_order_tree").id, "list"
        )["arch"]
        self.assertIn('name="rcep_certificate_state"', list_arch)
        self.assertIn('widget="badge"', list_arch)
        search_arch = self.env["sale.order"].get_view(False, "search")["arch"]
        for name in ("rcep_to_certify", "rcep_attention", "rcep_in_force", "rcep_group_state"):
            self.assertIn(f'name="{name}"', search_arch)


@tagged("post_install", "-at_install")
class TestBulkActions(RcepCase):
    """The order list's "Issue and Send" and the certificate list's "Send" and "Refresh
    Status": each record handled on its own, every refusal named, the others go on."""

    @contextmanager
    def commits(self):
        """Records, for every commit the addon makes, the savepoints opened around it
        (a commit ends them all: releasing one afterwards fails in production, where tests
        do not commit)."""
        opened, at_commit = [], []
        real_savepoint = BaseCursor.savepoint

        def savepoint(cr, flush=True):
            sp = real_savepoint(cr, flush)
            opened.append(sp)
            return sp

        def commit(env):
            at_commit.append([sp for sp in opened if not sp.closed])

        with (
            patch.object(BaseCursor, "savepoint", savepoint),
            patch(f"{rcep_certificate.__name__}._commit_unless_testing", commit),
        ):
            yield at_commit

    def not_ready_order(self):
        lamp = self.env["product.product"].create({"name": "Unclassified lamp", "type": "consu"})
        return self.confirmed_order(lamp, 3)

    def test_issue_and_send_from_the_order_list(self):
        refused = self.not_ready_order()
        created = created_exchange(sandbox=True)
        created["request"] = ANY  # built from today's order; its content is checked below
        orders = self.order | refused
        with self.service(created) as replay, self.commits() as commits:
            result = orders.action_rcep_issue_and_send()
        cert = self.order.rcep_certificate_ids
        self.assertEqual(cert.state, "issued")
        sent = replay.calls[0]["json"]
        self.assertEqual(sent["number"], cert.name)
        self.assertEqual(sent["importer"]["name"], "Saigon Home Living JSC")
        self.assertEqual(sent["goods_items"][0]["quantity"]["value"], "40.000")
        self.assertFalse(refused.rcep_certificate_ids, "nothing is created for a refused order")
        message = result["params"]["message"]
        self.assertIn(f"{cert.name} ({self.order.name}): Issued", message)
        self.assertIn(f"{refused.name}: ", message)
        self.assertIn("These lines cannot be certified yet:\n- Unclassified lamp: missing", message)
        self.assertEqual(result["params"]["type"], "warning")
        # The Idempotency-Key was committed before the request, and never inside a savepoint.
        self.assertTrue(commits)
        self.assertEqual([open_ for open_ in commits if open_], [])

    def test_send_and_refresh_from_the_certificate_list(self):
        issued = self.issued_certificate()  # RCEP-2026-000001
        draft = self.create_certificate(
            self.confirmed_order(self.cabinet, 40), name="RCEP-2026-000002"
        )
        created = created_exchange(sandbox=True)
        created["request"] = ANY  # another order's; its number is checked below
        created["response"]["id"] = "crt_bulk_send_2"
        with self.service(created) as replay, self.commits() as commits:
            result = (issued | draft)._action_bulk_send()
        self.assertEqual(replay.calls[0]["json"]["number"], "RCEP-2026-000002")
        self.assertEqual(draft.state, "issued")
        self.assertEqual(draft.service_id, "crt_bulk_send_2")
        message = result["params"]["message"]
        self.assertIn(f"RCEP-2026-000002 ({draft.sale_order_id.name}): Issued", message)
        self.assertIn("RCEP-2026-000001: already sent (Issued)", message)
        self.assertEqual([open_ for open_ in commits if open_], [])
        # Refresh: the recorded status is that of the first one (since replaced).
        with self.service("status_replaced", "events_replaced"):
            result = issued._action_bulk_refresh()
        self.assertEqual(issued.state, "replaced")
        self.assertEqual(
            result["params"]["message"], f"RCEP-2026-000001 ({self.order.name}): Replaced"
        )
        # The order list's refresh asks only about certificates whose status may still change.
        with self.service():
            result = self.order.action_rcep_refresh_status()
        self.assertEqual(result["params"]["message"], "Nothing to do.")
