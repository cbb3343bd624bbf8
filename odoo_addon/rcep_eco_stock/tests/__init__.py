from . import test_delivery  # noqa: F401
