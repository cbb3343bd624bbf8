from . import portal, webhook  # noqa: F401
