from . import (
    res_company,
    res_config_settings,
    res_partner,
    rcep_product_material,
    product_template,
    rcep_certificate,
    rcep_certificate_line,
    sale_order,
)
