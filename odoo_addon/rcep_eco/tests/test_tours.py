"""The clerk's flows clicked through in Chromium (Odoo's HttpCase tours, static/tests/tours),
against the real OriginLink service: one tour per criterion family and one per error path
that issue 11 found. Each test prepares what an RCEP manager would have (costs, materials) and
checks the database after the tour."""

from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CLERK, RcepData, RealService

# Where the tours start: each at its first page (rcep_clerk_tours.js).
PRODUCTS = "/odoo/action-sale.product_template_action"
QUOTATIONS = "/odoo/action-sale.action_quotations_with_onboarding"


@tagged("post_install", "-at_install", "rcep_tours")
class TestClerkTours(RcepData, RealService, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_rcep_data()
        cls.start_real_service(exporter="Pearl River tours")
        cls.company.write({"rcep_service_url": cls.service_url, "rcep_api_key": cls.service_key})
        cls.clerk = new_test_user(
            cls.env,
            login="clerk",
            groups=f"{CLERK},base.group_user,base.group_partner_manager",
            name="Lin Clerk",
        )
        cls.wood = cls.env.ref("base.ru")

    def customer(self, name):
        return self.env["res.partner"].create(
            {"name": name, "street": "1 Le Loi", "city": "Da Nang", "country_id": self.vn.id}
        )

    def product(self, name, fob=100.0, materials=(), **vals):
        origin = self.wood.id
        return self.env["product.product"].create(
            {
                "name": name,
                "type": "consu",
                "list_price": fob,
                "weight": 10.0,
                "taxes_id": [fields.Command.clear()],
                "rcep_fob_amount": fob,
                "rcep_material_ids": [
                    fields.Command.create(
                        {"name": m, "hs_code": hs, "value": value, "origin_country_id": origin}
                    )
                    for m, hs, value in materials
                ],
                **vals,
            }
        )

    def quotation(self, product, customer, qty=10):
        return self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    fields.Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "price_unit": product.list_price,
                            "tax_ids": [fields.Command.clear()],
                        }
                    )
                ],
            }
        )

    def clerk_flow(self, tour, product, customer_name):
        customer = self.customer(customer_name)
        order = self.quotation(product, customer)
        # What the web client asks the server to print (Odoo renders HTML in test mode; the
        # real PDF is test_documents'). start_tour returns once every request is answered.
        printed = []
        reports = self.registry["ir.actions.report"]
        render = reports._render_qweb_pdf

        def recording(report, report_ref, res_ids=None, data=None):
            printed.append((report._get_report(report_ref).report_name, list(res_ids or ())))
            return render(report, report_ref, res_ids=res_ids, data=data)

        with patch.object(reports, "_render_qweb_pdf", recording):
            self.start_tour(PRODUCTS, tour, login="clerk")
        certificate = order.rcep_certificate_ids
        self.assertEqual(certificate.state, "issued", certificate.last_error)
        self.assertIn(("rcep_eco.report_rcep_certificate", certificate.ids), printed)
        self.assertTrue(certificate.verify_url.startswith(self.service_url.upper()))
        self.assertEqual(order.rcep_certificate_state, "issued")
        return order, certificate

    # --- one tour per criterion family ------------------------------------------------------

    def test_rvc_flow_print_and_portal(self):
        cabinet = self.product(
            "Tour cabinet RVC",
            materials=[("sawn wood", "440799", 35.0)],
            rcep_cost_labour=20.0,
            rcep_cost_overhead=10.0,
            rcep_cost_profit=12.0,
        )
        order, cert = self.clerk_flow("rcep_eco_tour_rvc", cabinet, "Tour RVC Buyer JSC")
        self.assertEqual(cabinet.hs_code, "9403.60")
        self.assertEqual(cert.line_ids.origin_criterion, "RVC")
        self.assertTrue(cert.line_ids.fob_shown)
        # The buyer on the portal: the certificate, its link, its QR and the PDF's link (the
        # PDF stored when sent and downloaded byte for byte: test_documents, rendered for real).
        new_test_user(
            self.env, login="buyer", groups="base.group_portal", partner_id=order.partner_id.id
        )
        self.start_tour(f"/my/orders/{order.id}", "rcep_eco_tour_portal", login="buyer")
        self.authenticate("buyer", "buyer")
        response = self.url_open(f"/my/orders/{order.id}/certificates/{cert.id}/pdf")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")

    def test_ctc_flow_without_fob(self):
        chair = self.product("Tour chair CTC", materials=[("sawn wood", "440799", 70.0)])
        _order, cert = self.clerk_flow("rcep_eco_tour_ctc", chair, "Tour CTC Buyer JSC")
        self.assertEqual(cert.line_ids.origin_criterion, "CTC")
        self.assertFalse(cert.line_ids.fob_shown)
        self.assertNotIn('"fob_value": {', cert.sudo().payload_json)

    def test_wo_flow(self):
        carp = self.product("Tour live carp WO", fob=5.0, rcep_wholly_obtained=True)
        _order, cert = self.clerk_flow("rcep_eco_tour_wo", carp, "Tour WO Buyer JSC")
        self.assertEqual(cert.line_ids.origin_criterion, "WO")
        self.assertEqual(carp.rcep_verdict, "originating")

    # --- error paths ------------------------------------------------------------------------

    def test_not_ready_refused_with_the_reason(self):
        # Claims RVC, but 70 of 100 is non-originating and there are no other costs: 30 %.
        product = self.product(
            "Tour cabinet not ready",
            materials=[("sawn wood", "440799", 70.0)],
            hs_code="940360",
            rcep_criterion="RVC",
        )
        self.assertFalse(product.rcep_ready)
        order = self.quotation(product, self.customer("Tour Not Ready Buyer JSC"))
        self.start_tour(QUOTATIONS, "rcep_eco_tour_not_ready", login="clerk")
        self.assertFalse(order.rcep_certificate_ids)

    def test_double_certification_refused_naming_the_certificate(self):
        order = self.quotation(self.cabinet, self.customer("Tour Double Buyer JSC"))
        self.start_tour(QUOTATIONS, "rcep_eco_tour_double", login="clerk")
        self.assertEqual(len(order.rcep_certificate_ids), 1)
        self.assertEqual(order.rcep_certificate_ids.state, "issued")

    def test_hs_code_not_in_the_edition(self):
        chair = self.product("Tour swivel chair", materials=[("steel", "720839", 30.0)])
        self.start_tour(PRODUCTS, "rcep_eco_tour_hs_invalid", login="clerk")
        self.assertEqual(chair.hs_code, "9401.30")
        self.assertEqual(chair.rcep_hs_edition, "HS2017")

    def test_service_down_is_a_sentence(self):
        self.company.rcep_service_url = "http://127.0.0.1:9"  # discard port: nothing listens
        order = self.quotation(self.cabinet, self.customer("Tour Offline Buyer JSC"))
        self.start_tour(QUOTATIONS, "rcep_eco_tour_service_down", login="clerk")
        cert = order.rcep_certificate_ids
        self.assertEqual(cert.state, "to_send")
        self.assertIn("cannot be reached", cert.last_error)

    def test_importer_follows_a_corrected_customer(self):
        customer = self.customer("Tour Moved Buyer Co")
        order = self.quotation(self.cabinet, customer)
        order.action_confirm()
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=order.id)
            .create({})
        )
        cert = self.env["rcep.certificate"].browse(wizard.action_create()["res_id"])
        self.assertEqual(cert.importing_country_id.code, "VN")
        self.start_tour(
            f"/odoo/res.partner/{customer.id}", "rcep_eco_tour_importer_corrected", login="clerk"
        )
        self.assertEqual(cert.importing_country_id.code, "TH")

    def test_bulk_from_the_order_and_certificate_lists(self):
        alpha, beta, delta = (
            self.quotation(self.cabinet, self.customer(f"Tour Bulk {name} JSC"))
            for name in ("Alpha", "Beta", "Delta")
        )
        # Claims RVC with 70 of 100 non-originating: 30 %, not ready.
        not_ready = self.product(
            "Tour Bulk Gamma cabinet",
            materials=[("sawn wood", "440799", 70.0)],
            hs_code="940360",
            rcep_criterion="RVC",
        )
        gamma = self.quotation(not_ready, self.customer("Tour Bulk Gamma JSC"))
        (alpha | beta | gamma | delta).action_confirm()
        # Delta's goods are all on a draft already: nothing is left to certify from its order.
        wizard = (
            self.env["rcep.certificate.wizard"]
            .with_context(default_sale_order_id=delta.id)
            .create({})
        )
        draft = self.env["rcep.certificate"].browse(wizard.action_create()["res_id"])
        self.start_tour("/odoo/action-sale.action_orders", "rcep_eco_tour_bulk", login="clerk")
        for order in (alpha, beta):
            self.assertEqual(order.rcep_certificate_ids.state, "issued")
            self.assertTrue(order.rcep_certificate_ids.service_id)
        self.assertFalse(gamma.rcep_certificate_ids)
        self.assertEqual(delta.rcep_certificate_ids, draft)
        self.assertEqual(draft.state, "issued", draft.last_error)

    def test_chinese_clerk(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["rcep_eco"], ["zh_CN"], overwrite=True)
        new_test_user(self.env, login="zh_clerk", groups=f"{CLERK},base.group_user", lang="zh_CN")
        template = self.cabinet.product_tmpl_id
        self.start_tour(
            f"/odoo/action-sale.product_template_action/{template.id}",
            "rcep_eco_tour_zh",
            login="zh_clerk",
        )

    def test_readiness_lists_goods_only(self):
        lamp = self.product("Tour lamp to classify", fob=20.0)
        self.env["product.product"].create({"name": "Tour documentation fee", "type": "service"})
        self.start_tour(
            "/odoo/action-rcep_eco.action_rcep_readiness_products",
            "rcep_eco_tour_readiness",
            login="clerk",
        )
        self.assertEqual(lamp.hs_code, "9405.11")
        self.assertTrue(lamp.rcep_ready, lamp.rcep_missing)
