from .statement_connector import ServiceAnswer, StatementConnector  # noqa: F401
