# Copyright 2026 OriginLink contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "RCEP e-Certificates of Origin - Deliveries",
    "summary": "Issue RCEP certificates of origin from delivery orders: the departure date is "
    "the delivery's, the quantities what was delivered",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "website": "https://github.com/originlink/originlink",
    "author": "OriginLink",
    "license": "LGPL-3",
    "installable": True,
    "auto_install": True,
    "depends": ["rcep_eco", "sale_stock"],
    "data": [
        "views/stock_picking_views.xml",
        "views/rcep_certificate_views.xml",
    ],
    "assets": {
        "web.assets_tests": ["rcep_eco_stock/static/tests/tours/*.js"],
    },
}
