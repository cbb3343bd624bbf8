# Copyright 2026 OriginLink contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "RCEP Origin from Bills of Materials - Shop",
    "summary": "The shop's origin statement and badge of a product qualified from its bill of "
    "materials only while its stored assessment is current",
    "version": "19.0.1.0.0",
    "category": "Website/Website",
    "website": "https://github.com/originlink/originlink",
    "author": "OriginLink",
    "license": "LGPL-3",
    "installable": True,
    "auto_install": True,
    "depends": ["rcep_eco_mrp", "rcep_eco_website"],
}
