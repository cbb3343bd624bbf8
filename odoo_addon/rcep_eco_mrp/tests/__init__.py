from . import (
    test_benchmark,  # noqa: F401
    test_certificates,  # noqa: F401
    test_declarations,  # noqa: F401
    test_landed_costs,  # noqa: F401
    test_margin,  # noqa: F401
    test_portal,  # noqa: F401
    test_requalification,  # noqa: F401
    test_translations,  # noqa: F401
    test_worked_examples,  # noqa: F401
)
