from . import (
    portal,  # noqa: F401
)
