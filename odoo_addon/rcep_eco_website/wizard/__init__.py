from . import rcep_statement_withdraw  # noqa: F401
