"""The supplier's portal page (issue 12.2): opened from the e-mailed link without an account,
the declaration provided or refused with reasons, nothing else of the customer shown; and a
browser tour of it in Chromium."""

from odoo.http import Request
from odoo.tests import HttpCase, tagged

from .common import MrpOriginData


@tagged("post_install", "-at_install")
class TestSupplierPortal(MrpOriginData, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_mrp_data()
        cls.supplier = cls.vendor("Hanoi Coatings", "vn")
        cls.paint = cls.product("Lacquer", "3208.90", standard_price=8.0)
        cls.env["product.supplierinfo"].create(
            {
                "partner_id": cls.supplier.id,
                "product_tmpl_id": cls.paint.product_tmpl_id.id,
                "price": 8.0,
            }
        )
        cls.wood = cls.product("Secret walnut", "4407.95")
        cls.buy(cls.wood, cls.vendor("Other Supplier", "ru"), 77.0)
        cabinet = cls.product("Cabinet", "9403.60", rcep_criterion="RVC", rcep_fob_amount=100.0)
        cls.bom(cabinet, [(cls.paint, 1), (cls.wood, 1)])
        cls.cabinet = cabinet.product_tmpl_id
        cls.decl = cls.env["rcep.supplier.declaration"].create(
            {"partner_id": cls.supplier.id, "product_tmpl_id": cls.paint.product_tmpl_id.id}
        )
        cls.decl.action_request()
        cls.url = f"/my/origin-declarations/{cls.decl.id}?access_token={cls.decl.access_token}"

    def provide(self, **fields):
        self.authenticate(None, None)  # the supplier has no account: a public session
        data = {
            "csrf_token": Request.csrf_token(self),
            "access_token": self.decl.access_token,
            "originating": "yes",
            "country": "VN",
            "criterion": "PE",
            "date_from": "2026-01-01",
            "date_to": "2027-12-31",
            "reference": "HC-2026-9",
            "signer_name": "Tran Thi Binh",
            "signer_email": "binh@hanoi-coatings.example.com",
            **fields,
        }
        files = {"document": ("declaration.pdf", b"%PDF-1.4 signed", "application/pdf")}
        return self.url_open(
            f"/my/origin-declarations/{self.decl.id}/provide", data=data, files=files
        )

    def test_the_link_opens_the_page_and_shows_nothing_else(self):
        page = self.url_open(self.url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Lacquer", page.text)
        self.assertIn(self.company.name, page.text)
        self.assertIn("o_rcep_declaration_form", page.text)
        for secret in ("Secret walnut", "Other Supplier", "77.00", "9403"):
            self.assertNotIn(secret, page.text)
        # Without the token (or with a wrong one): back to the login page, nothing shown.
        for url in (f"/my/origin-declarations/{self.decl.id}",
                    f"/my/origin-declarations/{self.decl.id}?access_token=wrong"):  # fmt: skip
            page = self.url_open(url)
            self.assertNotIn("Lacquer", page.text)

    def test_providing_the_declaration_counts_and_requalifies(self):
        self.cabinet._rcep_mrp_assess("test")
        response = self.provide()
        self.assertEqual(response.status_code, 200)
        self.assertIn("has been received", response.text)
        self.decl.invalidate_recordset()
        self.assertEqual((self.decl.state, self.decl.validity), ("received", "valid"))
        self.assertEqual(self.decl.country_id.code, "VN")
        self.assertEqual(self.decl.reference, "HC-2026-9")
        self.assertEqual(self.decl.document_name, "declaration.pdf")
        self.assertIn("Tran Thi Binh", self.decl.provided_by)
        job = self.env["rcep.requalification"].search([("state", "=", "queued")])
        self.assertIn(self.cabinet, job.product_tmpl_ids)

    def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(self):
        for fields, message in (
            ({"country": "US"}, "not a Party to RCEP"),
            ({"date_to": "2025-01-01"}, "comes before its start"),
            ({"date_from": "01/02/2026"}, "YYYY-MM-DD"),
            ({"criterion": ""}, "origin criterion"),
            ({"signer_name": ""}, "name of the person"),
            ({"signer_email": "not-an-address"}, "not an e-mail address"),
            ({"originating": ""}, "Say whether"),
        ):
            response = self.provide(**fields)
            self.assertEqual(response.status_code, 400, fields)
            self.assertIn(message, response.text, fields)
            self.decl.invalidate_recordset()
            self.assertEqual(self.decl.state, "requested", fields)

    def test_supplier_portal_tour(self):
        self.start_tour(self.url, "rcep_mrp_supplier_portal")
        self.decl.invalidate_recordset()
        self.assertEqual(self.decl.state, "received")
        self.assertEqual(self.decl.country_id.code, "VN")
        self.assertEqual(self.decl.reference, "HN-2026-77")
        self.assertEqual(self.decl.document_name, "declaration.pdf")
        self.assertIn("Nguyen Van An", self.decl.provided_by)
