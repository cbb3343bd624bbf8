"""Field security (issue 13.5): a public visitor or a portal user reads none of the origin cost,
BOM, supplier or declaration data — through the ORM (what every RPC ends in), JSON-RPC
(/web/dataset/call_kw), the shop's pages and JSON routes, or this project's portal routes.

The protected fields are enumerated, not listed by hand: every field the RCEP modules define
whose name says cost, value, material, supplier, proof, evidence, declaration, assessment,
reasons, payload, pre-check, errors, keys or tokens — plus every field of the models that hold
nothing else (materials). A new such field is protected or this test fails."""

import json
import re

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ShopData

RCEP_MODULES = ("rcep_eco", "rcep_eco_website")
SENSITIVE = re.compile(
    r"cost|fob|value|material|supplier|proof|evidence|declaration|assessment|reasons|payload|"
    r"precheck|psr|error|api_key|token|idempotency|weight"
)
# Models that hold nothing but origin working data: every field of them is protected.
WHOLLY_PROTECTED = ("rcep.product.material", "rcep.origin.statement")
# Fields whose names match but are public by design, and why.
PUBLIC_BY_DESIGN = {
    # the certificate's own goods (the customer's order): on the portal page and, with the
    # access code, on the verification page; not origin costs
    ("rcep.certificate.line", "fob_value"): "the invoice FOB of the customer's own goods",
    ("rcep.certificate.line", "gross_weight"): "Box 8 of the customer's own certificate",
    ("rcep.certificate", "approved_exporter_code"): "printed on the declaration (Art 3.18)",
    ("rcep.certificate", "access_token"): "portal mixin: the portal's own access check",
    ("sale.order", "access_token"): "portal mixin",
    # Odoo's own product weight, shown on the shop
    ("product.template", "weight"): "Odoo's shipping weight",
    ("product.product", "weight"): "Odoo's shipping weight",
}
SENTINELS = ("SECRET-SUPPLIER", "SUPDECL-SECRET-0917", "777.77", "123.45", "66.66")


def protected_fields(env):
    """(model, field) pairs a public or portal user must not read."""
    out = set()
    for model_name, model in env.registry.items():
        if model._abstract or model._transient:
            continue
        for name, field in model._fields.items():
            defined_here = any(m in RCEP_MODULES for m in field._modules)
            if not defined_here and model_name not in WHOLLY_PROTECTED:
                continue
            if model_name in WHOLLY_PROTECTED or SENSITIVE.search(name):
                if (model_name, name) not in PUBLIC_BY_DESIGN:
                    out.add((model_name, name))
    return out


@tagged("post_install", "-at_install", "rcep_website")
class TestFieldSecurity(ShopData, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_shop()
        cls.portal = new_test_user(cls.env, login="sec_portal", groups="base.group_portal")
        cls.public = cls.env.ref("base.public_user")
        cls.secret = cls.origin_product(
            "Secret table",
            rcep_fob_amount=777.77,
            rcep_cost_labour=66.66,
            rcep_material_ids=[
                fields.Command.create(
                    {
                        "name": "SECRET-SUPPLIER oak",
                        "hs_code": "440799",
                        "value": 123.45,
                        "origin_country_id": cls.env.ref("base.ru").id,
                        "proof": "SUPDECL-SECRET-0917",
                    }
                )
            ],
        )
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.portal.partner_id.id,
                "order_line": [
                    fields.Command.create(
                        {"product_id": cls.secret.product_variant_id.id, "product_uom_qty": 1}
                    )
                ],
            }
        )

    def records(self, model_name):
        """A record of the model to read (the test's own data where it has some)."""
        if model_name == "product.template":
            return self.secret
        if model_name == "product.product":
            return self.secret.product_variant_id
        if model_name == "res.company":
            return self.company
        if model_name == "rcep.product.material":
            return self.secret.rcep_material_ids
        return self.env[model_name].search([], limit=1)

    def test_the_enumeration_finds_the_known_fields(self):
        found = protected_fields(self.env)
        for expected in [
            ("product.template", "rcep_fob_amount"),
            ("product.template", "rcep_cost_labour"),
            ("product.template", "rcep_material_ids"),
            ("product.template", "rcep_assessment_json"),
            ("product.template", "rcep_reasons"),
            ("product.template", "rcep_psr_override"),
            ("product.product", "rcep_material_ids"),
            ("rcep.product.material", "proof"),
            ("rcep.product.material", "value"),
            ("rcep.product.material", "name"),
            ("rcep.certificate", "payload_json"),
            ("rcep.certificate", "precheck_result"),
            ("rcep.certificate", "last_error"),
            ("res.company", "rcep_api_key"),
        ]:
            self.assertIn(expected, found)
        self.assertGreaterEqual(len(found), 40)

    def test_orm_refuses_every_protected_field(self):
        """Every RPC (call_kw, website controllers reading as the visitor) ends in the ORM."""
        leaks = []
        for model_name, name in sorted(protected_fields(self.env)):
            records = self.records(model_name)
            for user in (self.public, self.portal):
                model = self.env[model_name].with_user(user)
                try:
                    values = records.with_user(user).read([name]) if records else []
                except AccessError:
                    values = None
                if values:
                    leaks.append((model_name, name, user.login, "read"))
                try:
                    model.search_count([(name, "!=", False)])
                except (AccessError, ValueError):
                    continue
                if model._fields[name].store or model._fields[name].search:
                    leaks.append((model_name, name, user.login, "search"))
        self.assertEqual(leaks, [])

    def call_kw(self, model, method, args, kwargs=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def test_json_rpc_refuses_them_to_portal_and_public(self):
        secret_fields = ["rcep_fob_amount", "rcep_cost_labour", "rcep_material_ids",
                         "rcep_assessment_json", "rcep_reasons"]  # fmt: skip
        for login in ("sec_portal", None):
            self.authenticate(login, login)
            for model, method, args, kwargs in [
                ("product.template", "read", [self.secret.ids, secret_fields], {}),
                ("product.template", "search_read", [[("id", "=", self.secret.id)]],
                 {"fields": secret_fields}),
                ("product.template", "web_read", [self.secret.ids],
                 {"specification": {f: {} for f in secret_fields}}),
                ("rcep.product.material", "search_read", [[]], {"fields": ["name", "proof"]}),
                ("product.template", "search", [[("rcep_fob_amount", ">", 700)]], {}),
                ("rcep.certificate", "search_read", [[]], {"fields": ["payload_json"]}),
            ]:  # fmt: skip
                answer = self.call_kw(model, method, args, kwargs)
                self.assertIn("error", answer, (login, model, method))
                for sentinel in SENTINELS:
                    self.assertNotIn(sentinel, json.dumps(answer))

    def test_routes_show_none_of_it(self):
        """Every route of the RCEP modules, the shop's pages and its JSON route, as a visitor
        and as a portal user: no sentinel of the secret product's costs or suppliers."""
        rcep_routes = sorted(
            rule.rule
            for rule in self.env["ir.http"].routing_map().iter_rules()
            if rule.endpoint.__module__.startswith(
                ("odoo.addons.rcep_eco.", "odoo.addons.rcep_eco_website.")
            )
        )
        self.assertIn("/my/orders/<int:order_id>/certificates.json", rcep_routes)
        self.assertIn("/rcep_eco/webhook", rcep_routes)
        token = self.order._portal_ensure_token()
        # Every RCEP route, its parameters filled with this order (and an id of nothing).
        pages = [
            "/shop",
            self.secret.website_url,
            f"/my/orders/{self.order.id}?access_token={token}",
        ]
        for route in rcep_routes:
            path = route.replace("<int:order_id>", str(self.order.id))
            path = re.sub(r"<int:\w+>", "1", path)
            pages += [path, f"{path}?access_token={token}"]
        for login in (None, "sec_portal"):
            self.authenticate(login, login)
            for path in pages:
                text = self.url_open(path).text
                leaked = [sentinel for sentinel in SENTINELS if sentinel in text]
                self.assertEqual(leaked, [], (login, path))
            # Not found by its supplier's name or proof (the page echoes the query itself).
            for query in ("SECRET-SUPPLIER", "SUPDECL-SECRET-0917", "777.77"):
                for path in ("/shop?search=", "/website/search?search="):
                    self.assertNotIn("Secret table", self.url_open(path + query).text, query)
            combination = self.url_open(
                "/website_sale/get_combination_info",
                data=json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "product_template_id": self.secret.id,
                            "product_id": self.secret.product_variant_id.id,
                            "combination": [],
                            "add_qty": 1,
                        },
                    }
                ),
                headers={"Content-Type": "application/json"},
            )
            self.assertEqual(combination.status_code, 200)
            self.assertEqual([s for s in SENTINELS if s in combination.text], [], login)
