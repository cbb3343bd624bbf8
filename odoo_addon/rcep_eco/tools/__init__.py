from .originlink_connector import OriginLinkConnector, ServiceAnswer  # noqa: F401
