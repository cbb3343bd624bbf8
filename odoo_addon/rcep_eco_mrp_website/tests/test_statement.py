"""A product qualified from its BOM supports an origin statement only while its stored
assessment is current (issue 13.2 with issue 12.5)."""

from pathlib import Path

import polib
from odoo.addons.rcep_eco_mrp.tests.common import MrpOriginCase
from odoo.tests import tagged
from odoo.tools.translate import TranslationModuleReader


@tagged("post_install", "-at_install")
class TestStatementFollowsTheAssessment(MrpOriginCase):
    def test_queued_or_lost_blocks_the_statement(self):
        cn = self.vendor("Lingnan Paints", "cn")
        paint = self.product("Lacquer", "3208.90")
        self.buy(paint, cn, 60.0)
        self.declare(cn, paint)
        cabinet = self.product("Cabinet", "9403.60", rcep_criterion="RVC", rcep_fob_amount=100.0)
        self.bom(cabinet, [(paint, 1)])
        template = cabinet.product_tmpl_id.sudo()
        self.assertTrue(template._rcep_statement_blocker())  # not assessed yet
        self.run_jobs()
        self.assertFalse(template._rcep_statement_blocker())
        line = self.env["purchase.order.line"].search([("product_id", "=", paint.id)])
        line.price_unit = 61.0  # queued: the badge waits for the re-qualification
        self.assertIn("re-qualification queued", template._rcep_statement_blocker())
        self.run_jobs()
        self.assertFalse(template._rcep_statement_blocker())
        # The declaration refused: the lacquer is non-originating, RVC 39 %: the claimed RVC
        # is no longer met.
        self.env["rcep.supplier.declaration"].search(
            [("partner_id", "=", cn.id)]
        ).action_mark_refused()
        self.run_jobs()
        self.assertTrue(template._rcep_statement_blocker())


@tagged("post_install", "-at_install")
class TestTranslations(MrpOriginCase):
    def test_every_string_has_a_chinese_translation(self):
        reader = TranslationModuleReader(self.env.cr, modules=["rcep_eco_mrp_website"])
        sources = {term[4] for term in reader if term[0] == "rcep_eco_mrp_website"}
        catalogue = polib.pofile(str(Path(__file__).resolve().parents[1] / "i18n" / "zh_CN.po"))
        translated = {e.msgid: e.msgstr for e in catalogue}
        self.assertTrue(sources)
        self.assertFalse(sorted(s for s in sources if not translated.get(s)))
