from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import RcepCase


@tagged("post_install", "-at_install")
class TestSecurity(RcepCase):
    def test_multi_company(self):
        cert = self.issued_certificate()
        other = self.env["res.company"].create({"name": "Other Co", "country_id": self.cn.id})
        outsider = new_test_user(
            self.env,
            login="outsider",
            groups="rcep_eco.group_rcep_manager",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.assertFalse(self.env["rcep.certificate"].with_user(outsider).search([]))
        with self.assertRaises(AccessError):
            cert.with_user(outsider).read(["name"])

    def test_portal_sees_only_own_orders(self):
        cert = self.issued_certificate()
        buyer_user = new_test_user(
            self.env, login="buyer", groups="base.group_portal", partner_id=self.buyer.id
        )
        stranger = new_test_user(self.env, login="stranger", groups="base.group_portal")
        # The buyer's other order, not issued: not shown, nor its lines.
        draft = self.create_certificate(self.confirmed_order(self.cabinet, 5))
        self.assertEqual(self.env["rcep.certificate"].with_user(buyer_user).search([]), cert)
        lines = self.env["rcep.certificate.line"].with_user(buyer_user).search([])
        self.assertEqual(lines, cert.line_ids)
        self.assertNotIn(draft.line_ids, lines)
        self.assertFalse(self.env["rcep.certificate"].with_user(stranger).search([]))
        self.assertFalse(self.env["rcep.certificate.line"].with_user(stranger).search([]))
        with self.assertRaises(AccessError):
            cert.with_user(buyer_user).write({"remarks": "changed"})

    def test_credentials_for_system_admins_only(self):
        clerk = new_test_user(self.env, login="clerk2", groups="rcep_eco.group_rcep_manager")
        with self.assertRaises(AccessError):
            self.company.with_user(clerk).read(["rcep_api_key"])
        with self.assertRaises(AccessError):
            self.company.with_user(clerk).read(["rcep_webhook_secret"])
        # ...and still usable by the certificate (sudo at the call site).
        cert = self.create_certificate().with_user(clerk)
        with self.service("create_201"):
            cert.action_send()
        self.assertEqual(cert.state, "issued")

    def test_clerk_sends_evidence_without_seeing_costs(self):
        clerk = new_test_user(self.env, login="clerk3", groups="rcep_eco.group_rcep_user")
        cert = self.create_certificate().with_user(clerk)
        with self.service("create_201") as replay:
            cert.action_send()
        self.assertEqual(cert.state, "issued")
        evidence = replay.calls[0]["json"]["goods_items"][0]["evidence"]
        self.assertEqual(evidence["rvc"]["vnm"], "35.00")
        with self.assertRaises(AccessError):
            cert.read(["payload_json"])

    def test_neutralize_blanks_credentials(self):
        from odoo.modules.neutralize import get_neutralization_queries

        queries = list(get_neutralization_queries(["rcep_eco"]))
        self.assertTrue(queries)
        for query in queries:
            self.env.cr.execute(query)
        self.company.invalidate_recordset()
        self.assertFalse(self.company.rcep_api_key)
        self.assertFalse(self.company.rcep_service_url)
        self.assertFalse(self.company.rcep_webhook_secret)
        self.assertEqual(self.company.rcep_environment, "sandbox")
