from . import (
    mail_compose_message,  # noqa: F401
    product_template,  # noqa: F401
    rcep_certificate,  # noqa: F401
    rcep_certificate_line,  # noqa: F401
    rcep_product_material,  # noqa: F401
    rcep_webhook_message,  # noqa: F401
    res_company,  # noqa: F401
    res_config_settings,  # noqa: F401
    res_partner,  # noqa: F401
    sale_order,  # noqa: F401
)
