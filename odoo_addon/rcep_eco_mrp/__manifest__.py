# Copyright 2026 OriginLink contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "RCEP Origin from Bills of Materials and Supplier Declarations",
    "summary": "Qualify manufactured products under RCEP from their real multi-level bill of "
    "materials, purchase prices and suppliers' long-term origin declarations; re-qualify when "
    "they change; what-if and break-even FOB",
    "version": "19.0.1.0.0",
    "category": "Manufacturing/Manufacturing",
    "website": "https://github.com/originlink/originlink",
    "author": "OriginLink",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["rcep_eco", "mrp", "purchase", "portal"],
    "external_dependencies": {"python": ["originlink"]},
    "data": [
        "security/ir.model.access.csv",
        "security/rcep_eco_mrp_rules.xml",
        "data/mail_templates.xml",
        "data/ir_cron.xml",
        "views/rcep_supplier_declaration_views.xml",
        "views/rcep_origin_assessment_views.xml",
        "views/rcep_requalification_views.xml",
        "views/product_template_views.xml",
        "views/mrp_bom_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
        "wizard/rcep_whatif_wizard_views.xml",
        "views/rcep_mrp_menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["rcep_eco_mrp/static/tests/tours/*.js"],
    },
}
