from . import (
    rcep_whatif_wizard,  # noqa: F401
)
