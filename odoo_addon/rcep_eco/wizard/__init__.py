from . import (
    rcep_certificate_action_wizard,  # noqa: F401
    rcep_certificate_wizard,  # noqa: F401
    rcep_certificate_wizard_line,  # noqa: F401
    rcep_official_certificate_wizard,  # noqa: F401
)
