from . import (
    controllers,  # noqa: F401
    models,  # noqa: F401
    wizard,  # noqa: F401
)
