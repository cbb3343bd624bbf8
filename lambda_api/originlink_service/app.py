"""OriginLink service (AWS Chalice). The same module runs on Lambda and, through
`originlink_service/wsgi.py`, under gunicorn for `make run`.

Routes live in blueprints, one module per audience, registered here; another module adds its
routes with one `register_blueprint` line. Clients (storage, signing keys) are created lazily on
first use by `originlink_service.settings`.
"""

from __future__ import annotations

from chalice import Rate

from .exporter_api import api
from .http import host_is_ours, misdirected
from .meta import meta
from .problems import ApiProblem, from_chalice_error
from .settings import context
from .threadsafe import ThreadSafeChalice
from .verification import verification

app = ThreadSafeChalice(app_name="originlink")
app.api.binary_types = []  # all bodies are text (JSON, HTML, SVG)

app.register_blueprint(meta)
app.register_blueprint(api)
app.register_blueprint(verification)


@app.middleware("http")
def problems_and_limits(event, get_response):
    """Host check, body size limit; ApiProblem → problem+json; Chalice's own errors →
    problem+json."""
    path = (event.context or {}).get("path")
    settings = context().settings
    if path != "/healthz" and not host_is_ours(
        (event.headers or {}).get("host"), settings.host, settings.origin.split(":", 1)[0]
    ):
        return misdirected(settings.host).response(path)
    limit = settings.max_body_bytes
    if len(event.raw_body or b"") > limit:
        return ApiProblem(
            413, "body_too_large", f"the request body is larger than {limit} bytes"
        ).response(path)
    try:
        response = get_response(event)
    except ApiProblem as problem:
        return problem.response(path)
    if response.status_code >= 400 and isinstance(response.body, dict) and "Code" in response.body:
        return from_chalice_error(response, path)
    return response


@app.schedule(Rate(1, unit=Rate.MINUTES))
def drain_outbox(event):
    """On Lambda: the outbox worker, once a minute (`make run` runs it in a thread)."""
    from .outbox import drain_once

    return {"forwarded": drain_once(context())}
