"""Publishing, renewing and withdrawing a product's origin statement from Odoo, against the real
OriginLink service: what is sent (the statement, nothing of the costs), who may do it, what
the shop shows afterwards, and every way it can go wrong."""

from datetime import timedelta
from unittest.mock import patch

import requests
from freezegun import freeze_time
from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import MANAGER, USER, ShopData, free_port

# Every call goes through rcep_eco's connector class (StatementConnector subclasses it).
CALL_SITE = "odoo.addons.rcep_eco.tools.originlink_connector.requests.request"
COST_WORDS = ("SECRET-SUPPLIER", "SUPDECL-SECRET", "sawn oak", "35.0", "rcep_cost", "materials")


@tagged("post_install", "-at_install", "rcep_website")
class TestOriginStatement(ShopData, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shop()
        cls.manager = new_test_user(
            cls.env, login="stmt_manager", groups=f"{MANAGER},base.group_user", name="Li Manager"
        )
        cls.clerk = new_test_user(
            cls.env, login="stmt_clerk", groups=f"{USER},base.group_user", name="Lin Clerk"
        )

    def setUp(self):
        super().setUp()
        self.require_service()
        self.product = self.origin_product()

    def publish(self, product=None):
        product = product or self.product
        action = product.with_user(self.manager).action_rcep_publish_statement()
        return product._rcep_live_statement(), action

    # --- publishing -------------------------------------------------------------------------

    def test_publish_sends_the_statement_and_nothing_else(self):
        sent = []
        real = requests.request

        def spy(method, url, **kw):
            sent.append((method, url, kw.get("json")))
            return real(method, url, **kw)

        with patch(CALL_SITE, side_effect=spy):
            statement, action = self.publish()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(statement.state, "published")
        method, url, body = sent[0]
        self.assertEqual((method, url), ("POST", self.service_url + "/v1/origin-statements"))
        today = fields.Date.context_today(self.product)
        self.assertEqual(
            body,
            {
                "agreement": "RCEP",
                "exporter": {"name": "Guangzhou Pearl River Furniture Co., Ltd.", "country": "CN"},
                "product": {
                    "reference": self.product.default_code,
                    "name": "Oak dining table",
                    "hs_code": "940360",
                    "hs_edition": "HS2022",
                },
                "origin_criterion": "RVC",
                "country_of_origin": "CN",
                "assessed_on": self.product.rcep_assessed_on.isoformat(),
                "valid_from": today.isoformat(),
                "valid_until": body["valid_until"],
            },
        )
        self.assertLessEqual(body["valid_until"], (today + timedelta(days=366)).isoformat())
        for word in COST_WORDS:
            self.assertNotIn(word, str(sent))
        # Odoo keeps what the service signed; the service agrees.
        remote = self.service_get(f"/v1/origin-statements/{statement.service_id}")
        self.assertEqual(remote["state"], "published")
        self.assertEqual(remote["statement"]["product"]["hs_code"], statement.hs_code)
        self.assertEqual(statement.country_id, self.cn)
        self.assertEqual(statement.criterion, "RVC")
        self.assertTrue(statement.verify_url.startswith(self.service_url.upper() + "/V/"))
        self.assertIn("/v1/badge/", statement.embed_html)
        # The shop shows it, and its filter tag is on the product.
        self.assertEqual(self.product.rcep_statement_state, "current")
        self.assertIn(self.tag, self.product.product_tag_ids)
        badge = self.product._rcep_origin_badge()
        self.assertEqual(badge["url"], statement.verify_url)
        self.assertEqual(badge["origin"], "RCEP origin: China")
        self.assertEqual(badge["criterion"], "RVC")
        page = requests.get(statement.verify_url, timeout=20)
        self.assertIn("Oak dining table", page.text)
        self.assertIn('data-verdict="statement_valid"', page.text)

    def test_only_managers_publish_and_withdraw(self):
        with self.assertRaises(AccessError):
            self.product.with_user(self.clerk).action_rcep_publish_statement()
        statement, _ = self.publish()
        with self.assertRaises(AccessError):
            statement.with_user(self.clerk)._withdraw("not mine to withdraw")
        with self.assertRaises(AccessError):
            self.env["rcep.statement.withdraw"].with_user(self.clerk).create(
                {"statement_id": statement.id, "reason": "x"}
            )
        # A clerk sees that it is published, not the statements' list (managers').
        self.assertEqual(self.product.with_user(self.clerk).rcep_statement_state, "current")
        with self.assertRaises(AccessError):
            self.product.with_user(self.clerk).read(["rcep_statement_ids"])

    def test_renew_supersedes_the_published_statement(self):
        first, _ = self.publish()
        second, action = self.publish()
        self.assertEqual(action["params"]["type"], "success")
        self.assertNotEqual(first, second)
        self.assertEqual((first.state, second.state), ("superseded", "published"))
        self.assertEqual(second.supersedes_id, first)
        self.assertEqual(second.product_ref, first.product_ref)
        remote = self.service_get(f"/v1/origin-statements/{first.service_id}")
        self.assertEqual(
            (remote["state"], remote["superseded_by"]), ("superseded", second.service_id)
        )
        self.assertEqual(self.product._rcep_origin_badge()["url"], second.verify_url)

    def test_withdraw_from_the_product(self):
        statement, _ = self.publish()
        action = self.product.with_user(self.manager).action_rcep_withdraw_statement()
        self.assertEqual(action["res_model"], "rcep.statement.withdraw")
        wizard = (
            self.env["rcep.statement.withdraw"]
            .with_user(self.manager)
            .with_context(action["context"])
            .create({"reason": "product discontinued"})
        )
        wizard.action_withdraw()
        self.assertEqual(statement.state, "withdrawn")
        self.assertEqual(statement.withdraw_reason, "product discontinued")
        self.assertFalse(self.product._rcep_origin_badge())
        self.assertNotIn(self.tag, self.product.product_tag_ids)
        self.assertEqual(self.product.rcep_statement_state, "none")
        answer = requests.get(
            f"{self.service_url}/v1/verify/{statement.public_id}", timeout=20
        ).json()
        self.assertEqual(answer["checks"]["status"]["code"], "withdrawn")
        self.assertEqual(answer["checks"]["status"]["reason"], "product discontinued")
        # The product is free: a new statement can be published for it.
        again, action = self.publish()
        self.assertEqual((again.state, action["params"]["type"]), ("published", "success"))
        self.assertFalse(again.supersedes_id)

    def test_what_the_assessment_does_not_support_is_never_published(self):
        product = self.origin_product("Imported table", originating=False)
        self.assertFalse(product.rcep_originating)
        with patch(CALL_SITE) as call, self.assertRaisesRegex(UserError, "does not originate"):
            product.with_user(self.manager).action_rcep_publish_statement()
        call.assert_not_called()
        product.write({"rcep_criterion": False})
        with self.assertRaisesRegex(UserError, "no claimed origin criterion"):
            product.with_user(self.manager).action_rcep_publish_statement()
        # A criterion the assessment does not say is met (only CTC and RVC are).
        self.product.write({"rcep_criterion": "WO"})
        with self.assertRaisesRegex(UserError, "WO .* is not met"):
            self.product.with_user(self.manager).action_rcep_publish_statement()

    # --- the shop follows the assessment ----------------------------------------------------

    def test_a_change_of_assessment_hides_the_badge_and_the_tag(self):
        self.publish()
        self.assertIn(self.tag, self.product.product_tag_ids)
        # Costs changed so that the product no longer originates: a material line re-assesses
        # it without writing the product.
        self.product.rcep_material_ids.write({"value": 95.0, "hs_code": "940399"})
        self.product.write({"rcep_cost_labour": 1.0, "rcep_cost_profit": 1.0})
        self.assertFalse(self.product.rcep_originating)
        self.assertFalse(self.product._rcep_origin_badge())
        self.assertNotIn(self.tag, self.product.product_tag_ids)
        self.assertEqual(self.product.rcep_statement_state, "not_current")
        self.assertIn("does not originate", self.product.rcep_statement_note)
        # Back to originating: shown again, tag back.
        self.product.rcep_material_ids.write({"value": 35.0, "hs_code": "440799"})
        self.product.write({"rcep_cost_labour": 20.0, "rcep_cost_profit": 12.0})
        self.assertTrue(self.product._rcep_origin_badge())
        self.assertIn(self.tag, self.product.product_tag_ids)
        # Another HS code than the statement's: not shown until renewed.
        self.product.write({self.hs_field(): "940350"})
        self.assertTrue(self.product.rcep_originating, self.product.sudo().rcep_reasons)
        self.assertFalse(self.product._rcep_origin_badge())
        self.assertIn("changed since the statement", self.product.rcep_statement_note)

    def test_an_expired_statement_is_not_shown(self):
        statement, _ = self.publish()
        with freeze_time(statement.valid_until + timedelta(days=1)):
            self.assertFalse(self.product._rcep_origin_badge())
            self.env["rcep.origin.statement"]._cron_refresh()
            self.assertNotIn(self.tag, self.product.product_tag_ids)
        with freeze_time(statement.valid_until):
            self.assertTrue(self.product._rcep_origin_badge())

    def test_refresh_follows_a_withdrawal_made_elsewhere(self):
        statement, _ = self.publish()
        requests.post(
            f"{self.service_url}/v1/origin-statements/{statement.service_id}/withdraw",
            json={"reason": "withdrawn through the API"},
            headers={"Authorization": f"Bearer {self.service_key}", "Idempotency-Key": "w-api"},
            timeout=20,
        ).raise_for_status()
        self.env["rcep.origin.statement"]._cron_refresh()
        self.assertEqual(statement.state, "withdrawn")
        self.assertNotIn(self.tag, self.product.product_tag_ids)

    # --- when it goes wrong -----------------------------------------------------------------

    def test_service_down_keeps_the_request_and_sends_it_again(self):
        self.company.rcep_service_url = f"http://127.0.0.1:{free_port()}"
        statement, action = self.publish()
        self.assertFalse(statement)
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("cannot be reached", action["params"]["message"])
        draft = self.env["rcep.origin.statement"].search(
            [("product_tmpl_id", "=", self.product.id), ("state", "=", "draft")]
        )
        self.assertEqual(len(draft), 1)
        self.assertIn("cannot be reached", draft.last_error)
        self.assertFalse(self.product._rcep_origin_badge())
        key = draft.idempotency_key
        # The service is back: the same click sends the same request (same key) and publishes.
        self.company.rcep_service_url = self.service_url
        statement, action = self.publish()
        self.assertEqual(statement, draft)
        self.assertEqual((statement.state, statement.idempotency_key), ("published", key))
        self.assertFalse(statement.last_error)

    def test_a_refused_key_is_said_in_words(self):
        self.company.rcep_api_key = "olk_not_a_key"
        _, action = self.publish()
        self.assertIn("did not accept the API key", action["params"]["message"])
        self.assertIn("invalid_api_key", action["params"]["message"])

    def test_a_standing_statement_this_database_lost_is_taken_back(self):
        first, _ = self.publish()
        service_id = first.service_id
        first.unlink()  # e.g. a database restored from before the publication
        statement, action = self.publish()
        self.assertEqual(action["params"]["type"], "success")
        adopted = statement.supersedes_id
        self.assertEqual(adopted.service_id, service_id)
        self.assertEqual(adopted.state, "superseded")
        events = self.service_get(f"/v1/origin-statements/{service_id}/events")["items"]
        self.assertEqual([e["type"] for e in events], ["published", "superseded"])
