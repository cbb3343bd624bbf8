from . import (
    mrp_bom,  # noqa: F401
    product_template,  # noqa: F401
    purchase,  # noqa: F401
    rcep_certificate,  # noqa: F401
    rcep_origin_assessment,  # noqa: F401
    rcep_requalification,  # noqa: F401
    rcep_supplier_declaration,  # noqa: F401
    res_company,  # noqa: F401
    sale_order,  # noqa: F401
)
