"""The shop's product page, as a visitor gets it (HTTP) and sees it (Chromium tours), in English
and Chinese: the origin badge only while the statement stands and the assessment supports it,
linked to the statement's verification page; the shop's filter by the origin tag; and the
manager publishing from the product form."""

from lxml import html
from odoo.tests import HttpCase, new_test_user, tagged

from .common import MANAGER, ShopData


@tagged("post_install", "-at_install", "rcep_website")
class TestShopBadge(ShopData, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shop()
        cls.manager = new_test_user(
            cls.env,
            login="shop_manager",
            groups=f"{MANAGER},base.group_user,base.group_system",
            name="Li Manager",
        )
        cls.website = cls.env["website"].get_current_website()
        # Chinese on the website, with the module's translations (country names come from
        # CLDR, like the verification page's).
        zh = cls.env["res.lang"]._activate_lang("zh_CN")
        cls.website.language_ids |= zh
        cls.env["ir.module.module"].search(
            [("name", "=", "rcep_eco_website")]
        )._update_translations(["zh_CN"])

    def setUp(self):
        super().setUp()
        self.require_service()
        self.product = self.origin_product()
        self.plain = self.origin_product("Plain stool")  # never published

    def publish(self, product=None):
        product = product or self.product
        product.with_user(self.manager).action_rcep_publish_statement()
        statement = product._rcep_live_statement()
        self.assertEqual(statement.state, "published", statement.last_error)
        return statement

    def page(self, product, lang=""):
        response = self.url_open(f"{lang}{product.website_url}")
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.content)

    def badge(self, product, lang=""):
        found = self.page(product, lang).xpath("//a[@id='rcep_origin_badge']")
        return found[0] if found else None

    def test_badge_only_while_the_statement_is_current(self):
        self.assertIsNone(self.badge(self.product))
        statement = self.publish()
        badge = self.badge(self.product)
        self.assertIsNotNone(badge)
        self.assertEqual(badge.get("href"), statement.verify_url)
        self.assertEqual(badge.get("rel"), "noopener")
        self.assertEqual(badge.get("data-criterion"), "RVC")
        self.assertEqual(badge.get("data-country"), "CN")
        text = " ".join(badge.text_content().split())
        self.assertEqual(text, "RCEP origin: China · criterion RVC · exporter's statement — verify")
        self.assertIn("not a certificate of origin", badge.get("title"))
        self.assertIsNone(self.badge(self.plain))
        # No longer supported by the assessment: gone at once.
        self.product.write({"rcep_criterion": "WO"})
        self.assertIsNone(self.badge(self.product))
        self.product.write({"rcep_criterion": "RVC"})
        self.assertIsNotNone(self.badge(self.product))
        statement._withdraw("product discontinued")
        self.assertIsNone(self.badge(self.product))

    def test_badge_in_chinese(self):
        statement = self.publish()
        badge = self.badge(self.product, "/zh_CN")
        text = " ".join(badge.text_content().split())
        self.assertEqual(text, "RCEP原产地：中国 · 原产地标准 RVC · 出口商声明——核验")
        self.assertEqual(badge.get("href"), statement.verify_url)
        self.assertIn("并非原产地证书", badge.get("title"))

    def test_shop_filters_by_the_origin_tag(self):
        self.env.ref("website_sale.filter_products_tags").active = True
        self.publish()
        response = self.url_open(f"/shop?tags={self.tag.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Oak dining table", response.text)
        self.assertNotIn("Plain stool", response.text)
        self.assertIn(self.tag.name, response.text)  # offered as a filter
        everything = self.url_open("/shop").text
        self.assertIn("Plain stool", everything)

    # --- in Chromium -------------------------------------------------------------------------

    def test_tour_badge_shown_in_english_and_chinese(self):
        self.publish()
        self.start_tour(self.product.website_url, "rcep_origin_badge_en")
        self.start_tour(f"/zh_CN{self.product.website_url}", "rcep_origin_badge_zh")

    def test_tour_no_badge_without_a_valid_statement(self):
        self.start_tour(self.plain.website_url, "rcep_origin_badge_absent")
        statement = self.publish()
        statement._withdraw("product discontinued")
        self.start_tour(self.product.website_url, "rcep_origin_badge_absent")
        self.start_tour(f"/zh_CN{self.product.website_url}", "rcep_origin_badge_absent")

    def test_tour_manager_publishes_and_withdraws_from_the_product_form(self):
        self.start_tour(
            f"/odoo/action-product.product_template_action/{self.product.id}",
            "rcep_publish_origin_statement",
            login="shop_manager",
        )
        withdrawn = self.env["rcep.origin.statement"].search(
            [("product_tmpl_id", "=", self.product.id)]
        )
        self.assertEqual(withdrawn.mapped("state"), ["withdrawn"])
        self.assertEqual(withdrawn.withdraw_reason, "product discontinued")
        self.assertNotIn(self.tag, self.product.product_tag_ids)
