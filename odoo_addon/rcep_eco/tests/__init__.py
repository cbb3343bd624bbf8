from . import (
    test_certificate,  # noqa: F401
    test_connector,  # noqa: F401
    test_customs_loop,  # noqa: F401
    test_documents,  # noqa: F401
    test_e2e,  # noqa: F401
    test_flow,  # noqa: F401
    test_lifecycle,  # noqa: F401
    test_product,  # noqa: F401
    test_security,  # noqa: F401
    test_tours,  # noqa: F401
    test_translations,  # noqa: F401
    test_webhook,  # noqa: F401
)
