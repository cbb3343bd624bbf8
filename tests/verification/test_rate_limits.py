"""Rate limits on access codes, typed lookups and bulk verification (issue 17.2), on whichever
backend the run uses (SQLite counters beside the database, or DynamoDB items on the moto
server): per IP, per certificate, lockout with backoff, the bulk answer's size budget, 429
problem+json with Retry-After."""

from __future__ import annotations

import json
import multiprocessing
import time
import uuid

import pytest

from originlink_service.app import app as chalice_app
from originlink_service.ratelimits import Bucket, Policy, RateLimiter
from originlink_service.storage.limits import SqliteLimitStore


@pytest.fixture(autouse=True)
def frozen(ctx):
    """The service's limiter on a clock that stands still unless a test moves it."""
    clock = Clock()
    if ctx.limiter is not None:
        ctx.limiter.clock = clock
    return clock


def get(client, path, headers=None):
    return client.http.get(path, headers=headers or {})


def post_json(client, path, data):
    return client.http.post(
        path, headers={"Content-Type": "application/json"}, body=json.dumps(data)
    )


def assert_429(response, code="rate_limited") -> int:
    assert response.status_code == 429, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    doc = json.loads(response.body)
    assert doc["code"] == code and doc["status"] == 429
    seconds = int(response.headers["Retry-After"])
    assert seconds >= 1 and doc["retry_after"] == seconds
    return seconds


def test_wrong_access_codes_lock_the_certificate(client, fleet):
    cert, other = fleet.issue(), fleet.issue()
    right = fleet.access_code(cert)
    path = f"/v1/verify/{cert['public_id']}"
    # Four wrong codes, then the right one: the count starts again.
    for _ in range(4):
        assert get(client, path, {"X-Access-Code": "WRONGCODE22"}).status_code == 403
    assert get(client, path, {"X-Access-Code": right}).status_code == 200
    # Five wrong codes in a row lock it: even the right code is refused now, on every route
    # that takes a code, while the public view and other certificates are unaffected.
    for _ in range(5):
        assert get(client, path, {"X-Access-Code": "WRONGCODE22"}).status_code == 403
    assert assert_429(get(client, path, {"X-Access-Code": right}), "access_code_locked") >= 50
    form = client.http.post(
        f"/v/{cert['public_id']}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=f"code={right}",
    )
    assert_429(form, "access_code_locked")
    assert get(client, path).status_code == 200  # the public view is not an attempt
    assert get(client, path, fleet.auth()).status_code == 200  # nor is the owner's key
    unlocked = get(client, f"/v1/verify/{other['public_id']}", {"X-Access-Code": "WRONGCODE22"})
    assert unlocked.status_code == 403


def test_access_code_attempts_per_address(client, fleet):
    fleet.ctx.limiter.policy = Policy(code_attempts_per_ip=Bucket("code-ip", 1, 3))
    certs = [fleet.issue() for _ in range(4)]
    for cert in certs[:3]:
        r = get(client, f"/v1/verify/{cert['public_id']}", {"X-Access-Code": "WRONGCODE22"})
        assert r.status_code == 403
    r = get(client, f"/v1/verify/{certs[3]['public_id']}", {"X-Access-Code": "WRONGCODE22"})
    assert assert_429(r) == 60  # one attempt a minute refills


def test_wrong_codes_per_certificate(client, fleet):
    """Many may unlock one certificate with its code; wrong codes are counted per
    certificate (from every address together), besides the lockout."""
    fleet.ctx.limiter.policy = Policy(
        wrong_codes_per_certificate=Bucket("wrong-code", 2, 2), lockout_after=100
    )
    cert = fleet.issue()
    right = fleet.access_code(cert)
    path = f"/v1/verify/{cert['public_id']}"
    for _ in range(12):
        assert get(client, path, {"X-Access-Code": right}).status_code == 200
    for _ in range(2):
        assert get(client, path, {"X-Access-Code": "WRONGCODE22"}).status_code == 403
    assert assert_429(get(client, path, {"X-Access-Code": right})) == 30


def test_an_ipv6_subscriber_is_one_address(ctx):
    """Per-IP buckets count an IPv6 client by its /64: rotating addresses inside it gains
    nothing."""
    from originlink_service.ratelimits import _client

    class Event:
        def __init__(self, ip):
            self.context = {"identity": {"sourceIp": ip}}

    assert _client(Event("2001:db8:1:2::1")) == _client(Event("2001:db8:1:2:ffff::9"))
    assert _client(Event("2001:db8:1:2::1")) != _client(Event("2001:db8:1:3::1"))
    assert _client(Event("203.0.113.7")) == "203.0.113.7"


def test_typed_lookups_per_address(client, fleet):
    cert = fleet.issue()
    number = cert["number"]
    invoice = cert["certificate"]["invoices"][0]["number"]
    answers = [get(client, f"/v1/verify?number={number}&invoice=GUESS-{i}") for i in range(9)]
    assert {a.status_code for a in answers} == {404}
    assert get(client, f"/v?number={number}&invoice={invoice}").status_code == 303  # the 10th
    assert assert_429(get(client, f"/v1/verify?number={number}&invoice={invoice}")) == 2
    assert_429(get(client, f"/v?number={number}&invoice={invoice}"))
    # What is not a typed lookup is not counted: the form itself, a short code, an id.
    assert get(client, "/v").status_code == 200
    assert get(client, f"/v1/verify/{cert['public_id']}").status_code == 200


def test_bulk_items_count_and_typed_items_count_twice(client, fleet):
    cert = fleet.issue()
    ids = [cert["public_id"]] * 100
    assert post_json(client, "/v1/verify", {"items": ids}).status_code == 200
    assert post_json(client, "/v1/verify", {"items": ids}).status_code == 200
    assert_429(post_json(client, "/v1/verify", {"items": ids[:20]}))


def test_bulk_typed_items_spend_the_typed_lookup_bucket(client, fleet):
    cert = fleet.issue()
    pairs = [{"number": cert["number"], "invoice": f"GUESS-{i}"} for i in range(11)]
    too_many = post_json(client, "/v1/verify", {"items": [cert["public_id"], *pairs]})
    assert too_many.status_code == 422  # more than the bucket holds: never, whatever the wait
    assert json.loads(too_many.body)["code"] == "too_many_typed_items"
    answer = post_json(client, "/v1/verify", {"items": pairs[:6]})
    assert answer.status_code == 200
    assert {r["status"] for r in json.loads(answer.body)["results"]} == {404}
    assert_429(post_json(client, "/v1/verify", {"items": pairs[:5]}))  # 6 + 5 > 10
    typed = [get(client, f"/v1/verify?number={cert['number']}&invoice=X") for _ in range(5)]
    assert [r.status_code for r in typed] == [404] * 4 + [429]  # the same bucket


def test_bulk_answer_is_cut_at_its_size_budget(client, fleet):
    cert = fleet.issue()
    one = json.loads(get(client, f"/v1/verify/{cert['public_id']}").body)
    size = len(json.dumps(one, ensure_ascii=False))
    fleet.ctx.limiter.policy = Policy(bulk_response_bytes=int(size * 3.5))
    answer = post_json(client, "/v1/verify", {"items": [cert["public_id"]] * 10})
    results = json.loads(answer.body)["results"]
    assert [r["status"] for r in results] == [200] * 3 + [413] * 7
    assert results[3]["error"]["code"] == "response_budget_exceeded"
    assert results[3]["error"]["path"] == "items[3]"
    assert len(answer.body) < size * 3.5 + 7 * 400


def test_limits_can_be_switched_off(client, fleet):
    fleet.ctx.settings.rate_limits = False
    fleet.ctx._limiter = None
    cert = fleet.issue()
    for i in range(15):
        r = get(client, f"/v1/verify?number={cert['number']}&invoice=GUESS-{i}")
        assert r.status_code == 404


def test_a_decoded_delimiter_in_a_path_parameter_is_refused_on_lambda(fleet):
    """On Lambda, API Gateway decodes the path before the app sees it: a `%3F` arrives as
    `?` in the parameter, and the middleware refuses it (the HTTP edge refuses it encoded)."""
    event = {
        "resource": "/v1/certificates/{certificate_id}",
        "path": "/v1/certificates/?limit=1",
        "httpMethod": "GET",
        "headers": {"Authorization": f"Bearer {fleet.key}"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"certificate_id": "?limit=1"},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/v1/certificates/{certificate_id}",
            "httpMethod": "GET",
            "path": "/v1/certificates/?limit=1",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": None,
        "isBase64Encoded": False,
    }

    class LambdaContext:
        aws_request_id = str(uuid.uuid4())
        function_name = "APIHandler"

    answer = chalice_app(event, LambdaContext())
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"])["code"] == "invalid_path"


# --- the limiter itself, against both kinds of counter store ---------------------------


class Clock:
    """Time that moves only when a test moves it: no refill between requests."""

    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now


@pytest.fixture
def limiter(ctx, frozen):
    return RateLimiter(ctx.limiter.store, clock=frozen), frozen


def test_token_bucket_refills_at_its_rate(limiter):
    limiter, clock = limiter
    bucket = Bucket("t", per_minute=6, burst=3)
    assert [limiter.take(bucket, "a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take(bucket, "a") == pytest.approx(10.0)  # one token in 10 s
    assert limiter.take(bucket, "b") == 0.0  # another key has its own bucket
    clock.now += 10
    assert limiter.take(bucket, "a") == 0.0
    assert limiter.take(bucket, "a") == pytest.approx(10.0)
    clock.now += 3600  # full again, never more than the burst
    assert [limiter.take(bucket, "a", cost=3), limiter.take(bucket, "a")] == [0.0, 10.0]


def test_lockout_backs_off_and_a_right_code_resets(limiter):
    limiter, clock = limiter
    for _ in range(4):
        limiter.failed("cert")
    assert limiter.locked_for("cert") == 0.0
    limiter.failed("cert")  # fifth: one minute
    assert limiter.locked_for("cert") == pytest.approx(60)
    clock.now += 61
    limiter.failed("cert")  # sixth: two minutes, seventh: four
    assert limiter.locked_for("cert") == pytest.approx(120)
    limiter.failed("cert")
    assert limiter.locked_for("cert") == pytest.approx(240)
    for _ in range(10):
        limiter.failed("cert")
    assert limiter.locked_for("cert") == pytest.approx(3600)  # at most an hour
    clock.now += 3601
    limiter.succeeded("cert")
    limiter.failed("cert")
    assert limiter.locked_for("cert") == 0.0
    clock.now += 2 * 3600  # old failures are forgotten
    for _ in range(4):
        limiter.failed("cert")
    assert limiter.locked_for("cert") == 0.0


def _take_many(path: str, count: int, queue) -> None:
    limiter = RateLimiter(SqliteLimitStore(path))
    bucket = Bucket("shared", per_minute=0.001, burst=60)
    queue.put(sum(limiter.take(bucket, "ip") == 0.0 for _ in range(count)))


def test_processes_share_one_bucket(tmp_path):
    """Four processes take from one bucket at once (as gunicorn's workers do): exactly its
    sixty tokens are granted in all, none twice."""
    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    path = str(tmp_path / "limits.sqlite3")
    SqliteLimitStore(path)
    workers = [fork.Process(target=_take_many, args=(path, 40, queue)) for _ in range(4)]
    for w in workers:
        w.start()
    granted = [queue.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert sum(granted) == 60
