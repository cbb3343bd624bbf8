from . import (
    rcep_certificate,  # noqa: F401
    rcep_certificate_wizard,  # noqa: F401
    sale_order,  # noqa: F401
    stock_picking,  # noqa: F401
)
