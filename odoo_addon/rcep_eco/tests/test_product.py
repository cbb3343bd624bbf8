from ast import literal_eval

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RcepCase


@tagged("post_install", "-at_install")
class TestProductQualification(RcepCase):
    def test_assessment_by_the_core(self):
        tmpl = self.cabinet.product_tmpl_id
        self.assertTrue(tmpl.rcep_originating)
        self.assertEqual(tmpl.rcep_rule, "CTH or RVC40")
        self.assertEqual(tmpl.rcep_criteria_met.split(", "), ["CTC", "RVC"])
        # Build-down RVC (Art 3.5): (100 - 35) / 100 = 65 %; every reason names its article.
        self.assertIn("65.00 %", tmpl.rcep_reasons)
        self.assertIn("[Art 3.5; Annex 3A]", tmpl.rcep_reasons)
        self.assertIn("[Annex 3A; Art 3.2(c)]", tmpl.rcep_reasons)
        self.assertTrue(tmpl.rcep_ready)
        self.assertFalse(tmpl.rcep_missing)

    def test_material_change_recomputes_and_flags_claim(self):
        tmpl = self.cabinet.product_tmpl_id
        wood = tmpl.rcep_material_ids.filtered(lambda m: m.hs_code == "440799")
        # VNM 70 of FOB 100 and lower costs: build-down 30 %, build-up 28 % (< 40 %), CTH met.
        wood.value = 70.0
        tmpl.write(
            {
                "rcep_cost_labour": 5.0,
                "rcep_cost_overhead": 5.0,
                "rcep_cost_profit": 5.0,
                "rcep_cost_other": 5.0,
            }
        )
        self.assertTrue(tmpl.rcep_originating)
        self.assertEqual(tmpl.rcep_criteria_met, "CTC")
        self.assertIn("30.00 %", tmpl.rcep_reasons)
        self.assertIn("build-up 28.00 %", tmpl.rcep_reasons)
        self.assertFalse(tmpl.rcep_ready)
        self.assertIn("claimed criterion RVC not met", tmpl.rcep_missing)
        tmpl.rcep_criterion = "CTC"
        self.assertTrue(tmpl.rcep_ready)

    def test_missing_data_is_named(self):
        product = self.env["product.template"].create({"name": "Unclassified lamp"})
        self.assertFalse(product.rcep_ready)
        self.assertIn("HS code (6 digits)", product.rcep_missing)
        self.assertIn("origin criterion", product.rcep_missing)
        product.write({"rcep_hs_code": "940540", "rcep_criterion": "RVC"})
        # No FOB value: the core cannot assess an RVC and says which field is missing.
        self.assertIn("value data for RVC", product.rcep_missing)
        self.assertIn("fob", product.rcep_reasons)

    def test_hs_code_fields_of_other_modules_are_read_not_redefined(self):
        field = self.env["product.template"]._fields.get("hs_code")
        if field is not None:
            # stock_delivery (or another module) owns it; we only prefill from it.
            self.assertNotEqual(field._module, "rcep_eco")
            product = self.env["product.template"].create(
                {"name": "Chair", "hs_code": "9401.61.00"}
            )
            self.assertEqual(product.rcep_hs_code, "940161")
        else:
            self.assertNotIn("hs_code", self.env["product.template"]._fields)
            product = self.env["product.template"].create({"name": "Chair"})
            self.assertFalse(product.rcep_hs_code)

    def test_customer_readiness(self):
        self.assertFalse(self.buyer.rcep_importer_missing)
        us = self.env["res.partner"].create(
            {"name": "Acme Inc", "country_id": self.env.ref("base.us").id, "city": "Boston"}
        )
        self.assertIn("US is not an RCEP Party", us.rcep_importer_missing)
        nowhere = self.env["res.partner"].create({"name": "No address"})
        self.assertIn("country", nowhere.rcep_importer_missing)

    def test_cost_data_only_for_managers(self):
        clerk = new_test_user(self.env, login="clerk", groups="rcep_eco.group_rcep_user")
        manager = new_test_user(self.env, login="boss", groups="rcep_eco.group_rcep_manager")
        tmpl = self.cabinet.product_tmpl_id
        as_clerk = tmpl.with_user(clerk)
        # The verdict is for everyone who issues certificates...
        self.assertTrue(as_clerk.rcep_originating)
        self.assertEqual(as_clerk.rcep_rule, "CTH or RVC40")
        self.assertIn("RVC_MET (Art 3.5; Annex 3A)", as_clerk.rcep_reason_summary)
        # ...the costs behind it are not, nor the reasons that quote them.
        with self.assertRaises(AccessError):
            as_clerk.read(["rcep_reasons"])
        with self.assertRaises(AccessError):
            as_clerk.read(["rcep_fob_amount"])
        with self.assertRaises(AccessError):
            as_clerk.read(["rcep_material_ids"])
        with self.assertRaises(AccessError):
            self.env["rcep.product.material"].with_user(clerk).search([])
        self.assertEqual(tmpl.with_user(manager).rcep_fob_amount, 100.0)
        self.assertEqual(len(tmpl.with_user(manager).rcep_material_ids), 2)


@tagged("post_install", "-at_install")
class TestReadinessViews(RcepCase):
    def test_readiness_lists_what_is_missing(self):
        lamp = self.env["product.template"].create({"name": "Unclassified lamp", "sale_ok": True})
        action = self.env.ref("rcep_eco.action_rcep_readiness_products")
        listed = self.env["product.template"].search(literal_eval(action.domain))
        self.assertIn(lamp, listed)
        self.assertNotIn(self.cabinet.product_tmpl_id, listed)
        us = self.env["res.partner"].create(
            {"name": "Acme Inc", "city": "Boston", "country_id": self.env.ref("base.us").id}
        )
        self.order.copy({"partner_id": us.id}).action_confirm()
        action = self.env.ref("rcep_eco.action_rcep_readiness_customers")
        listed = self.env["res.partner"].search(literal_eval(action.domain))
        self.assertIn(us, listed)
        self.assertNotIn(self.buyer, listed)
