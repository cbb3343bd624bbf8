import importlib
import re
from ast import literal_eval
from pathlib import Path

from lxml import etree
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models.product_template import ORIGIN_FIELDS
from .common import CLERK, RcepCase


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
        self.assertIn(
            "claimed criterion Regional value content (RVC) not met per assessment",
            tmpl.rcep_missing,
        )
        tmpl.rcep_criterion = "CTC"
        self.assertTrue(tmpl.rcep_ready)

    def test_missing_data_is_named(self):
        product = self.env["product.template"].create({"name": "Unclassified lamp"})
        self.assertFalse(product.rcep_ready)
        self.assertIn("HS code (6 digits)", product.rcep_missing)
        self.assertIn("origin criterion", product.rcep_missing)
        product.write({"hs_code": "940549", "rcep_criterion": "RVC"})
        # No FOB value: the core cannot assess an RVC and says which field is missing.
        self.assertIn("value data for RVC", product.rcep_missing)
        self.assertIn("fob", product.rcep_reasons)

    def test_customer_readiness(self):
        self.assertFalse(self.buyer.rcep_importer_missing)
        us = self.env["res.partner"].create(
            {"name": "Acme Inc", "country_id": self.env.ref("base.us").id, "city": "Boston"}
        )
        self.assertIn("United States is not an RCEP Party", us.rcep_importer_missing)
        self.assertFalse(us.rcep_in_party)
        self.assertTrue(self.buyer.rcep_in_party)
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
        self.assertIn(
            "Regional value content: met (Art 3.5; Annex 3A)", as_clerk.rcep_reason_summary
        )
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
        # Services never travel under a certificate of origin: not listed.
        fee = self.env["product.template"].create(
            {"name": "Export documentation fee", "type": "service", "sale_ok": True}
        )
        self.assertNotIn(fee, self.env["product.template"].search(literal_eval(action.domain)))
        us = self.env["res.partner"].create(
            {"name": "Acme Inc", "city": "Boston", "country_id": self.env.ref("base.us").id}
        )
        no_address = self.env["res.partner"].create(
            {"name": "Hanoi Buyer", "country_id": self.vn.id}
        )
        for partner in (us, no_address):
            self.order.copy({"partner_id": partner.id}).action_confirm()
        action = self.env.ref("rcep_eco.action_rcep_readiness_customers")
        listed = self.env["res.partner"].search(literal_eval(action.domain))
        # A customer in an RCEP Party lacking its address is listed; one outside RCEP never
        # needs an e-CO, and a ready one is not listed.
        self.assertIn(no_address, listed)
        self.assertNotIn(us, listed)
        self.assertNotIn(self.buyer, listed)


@tagged("post_install", "-at_install")
class TestOneHsCode(RcepCase):
    def test_one_field_shared_with_odoos_own(self):
        field = self.env["product.template"]._fields["hs_code"]
        self.assertNotIn("rcep_hs_code", self.env["product.template"]._fields)
        modules = set(
            self.env["ir.model.data"]
            .search(
                [
                    ("model", "=", "ir.model.fields"),
                    (
                        "res_id",
                        "=",
                        self.env["ir.model.fields"]._get("product.template", "hs_code").id,
                    ),
                ]
            )
            .mapped("module")
        )
        self.assertIn("rcep_eco", modules)
        if "stock_delivery" in self.env["ir.module.module"]._installed():
            # Odoo's stock_delivery declares it too: one column, shown on both tabs.
            self.assertIn("stock_delivery", modules)
        self.assertEqual(field.type, "char")

    def test_the_same_code_however_it_is_typed(self):
        for typed in ("9403.60", "9403 60", "940360", "9403.60.90.00"):
            product = self.env["product.template"].create(
                {
                    "name": "Cabinet",
                    "hs_code": typed,
                    "rcep_criterion": "CTC",
                    "rcep_fob_amount": 80,
                }
            )
            self.assertEqual(product.rcep_rule, "CTH or RVC40", typed)
        from ..originlink_bridge import hs_subheading

        self.assertEqual(hs_subheading("9403.60.90.00"), "940360")

    def test_a_code_missing_from_the_edition_is_refused_naming_it(self):
        product = self.env["product.template"].create({"name": "Swivel chair"})
        with self.assertRaisesRegex(ValidationError, "940130 is not a subheading of HS 2022"):
            product.write({"hs_code": "9401.30"})
        # The same code read in HS 2017, where it exists, is fine.
        product.write({"hs_code": "9401.30", "rcep_hs_edition": "HS2017"})
        for wrong in ("9401", "9401.3", "94O130"):
            with self.assertRaisesRegex(ValidationError, "is not an HS code of six digits"):
                product.write({"hs_code": wrong})


@tagged("post_install", "-at_install")
class TestOriginDataByRcepUsers(RcepCase):
    def setUp(self):
        super().setUp()
        self.clerk = new_test_user(self.env, login="origin_clerk", groups=CLERK)
        self.tmpl = self.cabinet.product_tmpl_id

    def test_a_clerk_edits_origin_data_only(self):
        as_clerk = self.tmpl.with_user(self.clerk)
        as_clerk.write({"hs_code": "9403.30", "rcep_criterion": "CTC", "rcep_hs_edition": "HS2022"})
        self.assertEqual(self.tmpl.hs_code, "9403.30")
        with self.assertRaisesRegex(AccessError, "origin data only"):
            as_clerk.write({"list_price": 1.0})
        with self.assertRaisesRegex(AccessError, "origin data only"):
            as_clerk.write({"rcep_criterion": "RVC", "name": "Renamed"})
        self.assertEqual(self.tmpl.name, "Wooden cabinet PR-C120")

    def test_the_form_lets_a_clerk_edit_the_rcep_tab_and_nothing_else(self):
        arch = self.tmpl.with_user(self.clerk).get_view(False, "form")["arch"]
        tree = etree.fromstring(arch)
        for name in ORIGIN_FIELDS:
            node = tree.xpath(f"//page[@name='rcep_origin']//field[@name='{name}']")[0]
            self.assertNotEqual(node.get("readonly"), "1", name)
        self.assertEqual(tree.xpath("//field[@name='list_price']")[0].get("readonly"), "1")
        self.assertNotEqual(tree.get("edit"), "false")
        # A product manager's form is untouched.
        manager_arch = self.tmpl.get_view(False, "form")["arch"]
        self.assertNotEqual(
            etree.fromstring(manager_arch).xpath("//field[@name='list_price']")[0].get("readonly"),
            "1",
        )

    def test_a_product_manager_is_not_limited(self):
        manager = new_test_user(
            self.env, login="product_boss", groups=f"{CLERK},product.group_product_manager"
        )
        self.tmpl.with_user(manager).write({"list_price": 120.0, "hs_code": "940360"})
        self.assertEqual(self.tmpl.list_price, 120.0)


@tagged("post_install", "-at_install")
class TestWords(RcepCase):
    def test_every_state_has_a_label(self):
        from ..models.rcep_certificate import SERVICE_STATE_LABELS
        from ..originlink_bridge import service_state_list

        self.assertEqual(set(service_state_list()), set(SERVICE_STATE_LABELS))
        labels = dict(self.env["rcep.certificate"]._fields["state"].selection)
        for state in service_state_list():
            self.assertNotEqual(labels[state], state)

    def test_every_reason_code_of_the_core_has_words(self):
        core_assess = importlib.import_module("originlink.rules.assess")

        from ..models.rcep_labels import REASON_LABELS

        source = Path(core_assess.__file__).read_text()
        codes = set(re.findall(r'"([A-Z][A-Z_]{3,})"', source)) - {"CTSH", "RCEP"}
        criteria = {
            c for c, _label in self.env["product.template"]._fields["rcep_criterion"].selection
        }
        codes |= {f"{c}_{suffix}" for c in ("WO", "PE") for suffix in ("MET", "NOT_MET")}
        self.assertTrue(criteria)
        self.assertEqual(sorted(codes - set(REASON_LABELS)), [])

    def test_users_read_words_not_codes(self):
        clerk = new_test_user(self.env, login="words_clerk", groups=CLERK)
        tmpl = self.cabinet.product_tmpl_id.with_user(clerk)
        summary = tmpl.rcep_reason_summary
        self.assertIn("Regional value content: met (Art 3.5; Annex 3A)", summary)
        self.assertIn("Originating (Art 3.2)", summary)
        self.assertNotRegex(summary, r"\b[A-Z]+_[A-Z_]+\b")
        self.assertEqual(
            tmpl.rcep_criteria_met_label,
            "Change in tariff classification (CTC), Regional value content (RVC)",
        )
        self.assertEqual(
            tmpl.rcep_rule_explained,
            "change of heading or regional value content of at least 40 %",
        )
        field = self.env["product.template"]._fields["rcep_criteria_met_label"]
        self.assertEqual(field.string, "Criteria Met")
        # Not met (30 % where 40 % is needed): words too, no code of the core's.
        template = self.cabinet.product_tmpl_id
        template.rcep_material_ids.filtered(lambda m: m.hs_code == "440799").value = 70.0
        costs = ("rcep_cost_labour", "rcep_cost_overhead", "rcep_cost_profit", "rcep_cost_other")
        template.write(dict.fromkeys(costs, 5.0))
        self.assertFalse(tmpl.rcep_ready)
        for text in (tmpl.rcep_reason_summary, tmpl.rcep_missing, tmpl.rcep_criteria_met_label):
            self.assertNotRegex(text or "", r"\b([A-Z]+|[a-z]+)_[A-Za-z_]+\b")
        self.assertIn("Regional value content: not met (Art 3.5", tmpl.rcep_reason_summary)
        self.assertIn("claimed criterion Regional value content (RVC) not met", tmpl.rcep_missing)

    def test_no_label_is_made_from_a_technical_name(self):
        """Odoo labels a field without a string after its name ("Rcep Criteria Met", "Public
        Id"), and a selection without words shows its codes: every field and choice the addons
        add has words of its own."""
        data = self.env["ir.model.data"].search(
            [("module", "in", ["rcep_eco", "rcep_eco_stock"]), ("model", "=", "ir.model.fields")]
        )
        made = []
        for field in self.env["ir.model.fields"].browse(data.mapped("res_id")):
            label = field.field_description
            # Odoo's label for a field without one: its name without _id(s), in title case.
            auto = re.sub(r"_ids?$", "", field.name).replace("_", " ").title()
            named_id = field.name.endswith("_id") and field.ttype != "many2one"
            if re.search(r"\bRcep\b|\b(Id|Ids|Seq|Qty|Msg)\b", label) or (
                named_id and label == auto
            ):
                made.append(f"{field.model}.{field.name}: {label}")
            for choice in field.selection_ids:
                if choice.name == choice.value and re.search(r"[a-z_]", choice.value):
                    made.append(f"{field.model}.{field.name}: choice {choice.value}")
        self.assertTrue(data)
        self.assertEqual(made, [])


@tagged("post_install", "-at_install")
class TestNoRuleIsNotANo(RcepCase):
    def code_without_rule(self):
        from ..originlink_bridge import assess

        for code in ("030193", "030273", "030299", "030325"):
            result, _problems = assess(
                {
                    **self.cabinet.product_tmpl_id._rcep_assessment_input(),
                    "product": {"hs_code": code, "description": "fish"},
                }
            )
            if result and not result["rule"]:
                return code
        self.fail("every candidate code has a rule now: pick another one without")

    def test_without_a_rule_the_verdict_is_undetermined(self):
        code = self.code_without_rule()
        product = self.env["product.template"].create(
            {"name": "Live carp", "hs_code": code, "rcep_criterion": "CTC", "rcep_fob_amount": 3}
        )
        self.assertEqual(product.rcep_verdict, "undetermined")
        self.assertFalse(product.rcep_ready)
        self.assertIn("origin undetermined: no product-specific rule", product.rcep_missing)
        self.assertNotIn("not originating", product.rcep_missing)
        # Wholly obtained goods are decided without a rule.
        product.write({"rcep_wholly_obtained": True, "rcep_criterion": "WO"})
        self.assertEqual(product.rcep_verdict, "originating")
        self.assertTrue(product.rcep_ready, product.rcep_missing)
