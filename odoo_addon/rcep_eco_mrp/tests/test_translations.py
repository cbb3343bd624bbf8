"""The module speaks Chinese first (its users are export managers in China): every string it
shows — fields, views, messages, e-mails, the supplier's portal page — has a zh_CN
translation, and the catalogue loads into Odoo."""

from pathlib import Path

import polib
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

I18N = Path(__file__).resolve().parents[1] / "i18n"


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_every_string_has_a_chinese_translation(self):
        reader = TranslationModuleReader(self.env.cr, modules=["rcep_eco_mrp"])
        sources = {term[4] for term in reader if term[0] == "rcep_eco_mrp"}
        self.assertGreater(len(sources), 200)
        catalogue = polib.pofile(str(I18N / "zh_CN.po"))
        translated = {e.msgid: e.msgstr for e in catalogue if not e.obsolete}
        missing = sorted(s for s in sources if not translated.get(s, "").strip())
        self.assertFalse(missing, f"{len(missing)} strings without a zh_CN translation")
        fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]
        self.assertFalse(fuzzy, "fuzzy translations are not used by Odoo")
        template = polib.pofile(str(I18N / "rcep_eco_mrp.pot"))
        self.assertEqual({e.msgid for e in template}, sources, "rcep_eco_mrp.pot is out of date")

    def test_the_catalogue_loads_and_is_used(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["rcep_eco_mrp"], ["zh_CN"], overwrite=True)
        field = self.env["ir.model.fields"]._get("rcep.supplier.declaration", "partner_id")
        self.assertEqual(field.with_context(lang="zh_CN").field_description, "供应商")
        env = self.env(context={"lang": "zh_CN"})
        self.assertEqual(
            env._("No single material's origin or price changes the verdict."),
            "没有任何单一材料的原产资格或价格会改变判定结果。",
        )
