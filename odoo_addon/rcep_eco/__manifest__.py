# Copyright 2026 OriginLink contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "RCEP e-Certificates of Origin",
    "summary": "Issue RCEP electronic certificates of origin from sales orders, "
    "with origin qualification, customs status, PDF with QR and portal",
    "version": "19.0.2.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/originlink/originlink",
    "author": "OriginLink",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["sale_management"],
    "external_dependencies": {"python": ["originlink"]},
    "data": [
        "security/rcep_eco_groups.xml",
        "security/ir.model.access.csv",
        "security/rcep_eco_rules.xml",
        "data/ir_cron.xml",
        "report/rcep_certificate_report.xml",
        "views/rcep_certificate_views.xml",
        "views/product_template_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/sale_order_views.xml",
        "views/sale_portal_templates.xml",
        "wizard/rcep_certificate_wizard_views.xml",
        "wizard/rcep_certificate_action_wizard_views.xml",
        "wizard/rcep_official_certificate_wizard_views.xml",
        "views/rcep_menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["rcep_eco/static/tests/tours/*.js"],
    },
}
