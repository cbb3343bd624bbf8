from . import (  # noqa: F401
    test_field_security,
    test_portal,
    test_statement,
    test_translations,
    test_website,
)
