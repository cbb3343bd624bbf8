from . import product_template  # noqa: F401
