"""The only place this module touches the `originlink` core (imported lazily, like rcep_eco's
bridge): the origin statement's checks and states, and the public paths of the service."""

from urllib.parse import urlsplit


def check_statement(data, today):
    """The core's checks of an origin statement: (ok, problems as dicts)."""
    from originlink.statement import check_statement as _check  # noqa: PLC0415

    statement, problems = _check(data, today=today)
    return statement is not None, [p.model_dump() for p in problems]


def statement_valid_until(assessed_on):
    """The last day a statement resting on an assessment of `assessed_on` may stand
    (originlink.statement.MAX_VALIDITY_MONTHS after it)."""
    from originlink.model import add_months  # noqa: PLC0415
    from originlink.statement import MAX_VALIDITY_MONTHS  # noqa: PLC0415

    return add_months(assessed_on, MAX_VALIDITY_MONTHS)


def statement_path(service_id=None):
    """The exporter API's path of a statement, or of them all (the core builds every path)."""
    from originlink.links.urls import STATEMENTS_PATH  # noqa: PLC0415
    from originlink.links.urls import statement_path as _path  # noqa: PLC0415

    return _path(service_id) if service_id else STATEMENTS_PATH


def public_origin_of(url):
    """`scheme://host[:port]` of a link the service printed (its configured public origin)."""
    parts = urlsplit(url or "")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}" if parts.netloc else ""


def public_links(printed_url, public_id):
    """Absolute public links of a certificate or statement, on the public origin of the link
    the service printed for it: the JSON verification and the QR image."""
    from originlink.links import absolute, qr_path, verify_path  # noqa: PLC0415

    origin = public_origin_of(printed_url)
    if not origin or not public_id:
        return {}
    return {
        "json": absolute(origin, verify_path(public_id)),
        "qr": absolute(origin, qr_path(public_id)),
    }
