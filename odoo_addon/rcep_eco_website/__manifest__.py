# Copyright 2026 OriginLink contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "RCEP Origin on the Shop",
    "summary": "Publish a product's signed origin statement, show a verifiable origin badge "
    "on the shop, and the order's certificates of origin on the customer portal",
    "version": "19.0.1.0.0",
    "category": "Website/eCommerce",
    "website": "https://github.com/originlink/originlink",
    "author": "OriginLink",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["rcep_eco", "website_sale"],
    "external_dependencies": {"python": ["originlink"]},
    "data": [
        "security/ir.model.access.csv",
        "security/rcep_eco_website_rules.xml",
        "data/product_tag.xml",
        "data/ir_cron.xml",
        "views/rcep_origin_statement_views.xml",
        "views/product_template_views.xml",
        "views/website_sale_templates.xml",
        "views/sale_portal_templates.xml",
        "wizard/rcep_statement_withdraw_views.xml",
    ],
    "assets": {
        "web.assets_tests": ["rcep_eco_website/static/tests/tours/*.js"],
    },
}
