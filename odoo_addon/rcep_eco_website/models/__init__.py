from . import (
    product_template,  # noqa: F401
    rcep_certificate,  # noqa: F401
    rcep_origin_statement,  # noqa: F401
    rcep_product_material,  # noqa: F401
    sale_order,  # noqa: F401
)
