"""OriginLink service (AWS Chalice). The same module runs on Lambda and, through
`originlink_service/wsgi.py`, under gunicorn for `make run`.

Routes live in blueprints, one module per audience, registered here; another module adds its
routes with one `register_blueprint` line. Clients (storage, signing keys) are created lazily on
first use by `originlink_service.settings`.
"""

from __future__ import annotations

from chalice import Rate

from . import ratelimits
from .customs.routes import customs_api
from .exporter_api import api
from .http import host_is_ours, invalid_path, misdirected, path_parameter_ok
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
app.register_blueprint(customs_api)

# The SQS queue the forwarder reads on AWS (infra/resources.yaml names it for each stage).
OUTBOX_QUEUE = "originlink-outbox"


@app.middleware("http")
def problems_and_limits(event, get_response):
    """Host check, path parameters, body size limit, rate limits (ratelimits.py); ApiProblem
    → problem+json; Chalice's own errors → problem+json."""
    path = (event.context or {}).get("path")
    ctx = context()
    settings = ctx.settings
    if path != "/healthz" and not host_is_ours(
        (event.headers or {}).get("host"), settings.host, settings.origin.split(":", 1)[0]
    ):
        return misdirected(settings.host).response(path)
    limit = settings.max_body_bytes
    if len(event.raw_body or b"") > limit:
        return ApiProblem(
            413, "body_too_large", f"the request body is larger than {limit} bytes"
        ).response(path)
    if not all(path_parameter_ok(v) for v in (event.uri_params or {}).values()):
        return invalid_path().response(path)  # decoded by API Gateway; gateway.py sees it raw
    record = None
    try:
        record = ratelimits.before(ctx.limiter, event) if ctx.limiter else None
        response = get_response(event)
    except ApiProblem as problem:
        response = problem.response(path)
    else:
        if response.status_code >= 400 and isinstance(response.body, dict):
            if "Code" in response.body:  # Chalice's own error
                response = from_chalice_error(response, path)
    if record is not None:
        record(response.status_code)
    return response


@app.schedule(Rate(1, unit=Rate.MINUTES))
def drain_outbox(event):
    """On Lambda, once a minute: with a queue (ORIGINLINK_OUTBOX_QUEUE_URL), put what is due
    on it for `forward_outbox`; without one, deliver it here. (`make run` runs the worker in a
    thread of each server process.)"""
    from .outbox import drain_once, relay

    ctx = context()
    if ctx.settings.outbox_queue_url:
        return {"queued": relay(ctx)}
    return {"forwarded": drain_once(ctx)}


@app.on_sqs_message(queue=OUTBOX_QUEUE, batch_size=10)
def forward_outbox(event):
    """On Lambda: deliver the outbox entries named by a batch of queue messages. Partial batch
    response (the event source mapping has ReportBatchItemFailures): only the messages that
    failed are retried, then dead-lettered by the queue's redrive policy."""
    from .outbox import handle_queue_messages

    messages = [(record.to_dict()["messageId"], record.body) for record in event]
    failed = handle_queue_messages(context(), messages)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
