from . import test_statement  # noqa: F401
