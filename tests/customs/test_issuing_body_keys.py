"""An endorsement is checked against the issuing body's published keys (its `jwks_url`). When
those keys cannot be read, the endorsement is not checked — said so, never "not valid" — and
the answer is not kept for the day; keys read before keep serving while the URL is down."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from originlink_service import outbox
from originlink_service.customs import config as customs_config
from originlink_service.verification import verifier

from .conftest import create


@pytest.fixture
def endorsed(ctx, peer, client, api_key, certificate):
    created = create(client, api_key, certificate, "keys-1")
    assert outbox.drain_once(ctx) == 1  # to the issuing body
    assert peer.sim.wait_idle()  # its endorsement came back
    return created


@pytest.fixture
def fetches(monkeypatch):
    """Count the fetches of the body's keys; `down[0] = True` makes its URL fail."""
    real, calls, down = customs_config._fetch_jwks, [], [False]

    def fetch(url):
        calls.append(url)
        if down[0]:
            raise customs_config.ConfigError(f"{url}: answered 503")
        return real(url)

    monkeypatch.setattr(customs_config, "_fetch_jwks", fetch)
    return calls, down


def public(client, created) -> dict:
    return json.loads(client.http.get(created["links"]["verify"]).body)


def test_unreadable_keys_leave_the_endorsement_unchecked_not_invalid(
    ctx, client, endorsed, fetches, monkeypatch
):
    calls, down = fetches
    down[0] = True
    verifier.clear_caches()
    ctx._customs = customs_config.load(ctx.customs.source)  # nothing fetched yet
    answer = public(client, endorsed)
    legal = answer["checks"]["legal"]
    assert (legal["code"], legal["verified"], legal["reason"]) == (
        "endorsement_unchecked",
        False,
        "keys_unavailable",
    )
    assert answer["verdict"] == "endorsement_unchecked"
    page = client.http.get(endorsed["links"]["page"] + "?lang=en").body.decode()
    assert "cannot be checked right now" in page and "Not valid" not in page
    assert len(calls) == 1

    # Within the minute neither the answer nor the failed fetch is tried again...
    public(client, endorsed)
    assert len(calls) == 1
    # ...after it (the answer's minute and the fetch's minute both gone), the keys are read
    # and the endorsement verifies.
    down[0] = False
    ctx.customs._jwks_failed = {k: v - 61 for k, v in ctx.customs._jwks_failed.items()}
    for result in list(verifier._results._data.values()):
        result.expires -= verifier.UNCHECKED_ENDORSEMENT_TTL + 1
    legal = public(client, endorsed)["checks"]["legal"]
    assert (legal["code"], legal["verified"]) == ("endorsed", True)
    assert len(calls) == 2


def test_keys_read_before_serve_while_the_url_is_down(ctx, client, endorsed, fetches):
    calls, down = fetches
    verifier.clear_caches()
    assert public(client, endorsed)["checks"]["legal"]["code"] == "endorsed"
    # An hour later the keys are due again, and their URL is down: the keys held still hold.
    down[0] = True
    ctx.customs._jwks = {k: (t - 3601, keys) for k, (t, keys) in ctx.customs._jwks.items()}
    verifier.clear_caches()
    legal = public(client, endorsed)["checks"]["legal"]
    assert (legal["code"], legal["verified"]) == ("endorsed", True)
    assert calls and len(calls) >= 1


def test_an_unknown_issuing_body_is_unchecked_too():
    from originlink.credentials.legal import headline, legal_certification

    legal = legal_certification(
        "certificate_of_origin",
        {"kind": "endorsed", "issuing_body": "XX-GONE", "jws": "a.b.c"},
        issuing_body=None,
        digest="sha256:" + "00" * 32,
        number="N-1",
    )
    assert (legal["code"], legal["reason"]) == ("endorsement_unchecked", "unknown_issuing_body")
    assert headline(integrity_ok=True, status_ok=True, legal=legal) == "endorsement_unchecked"
    assert headline(integrity_ok=True, status_ok=False, legal=legal) == "not_valid"


def test_a_key_the_body_published_since_the_last_fetch_is_fetched_again(
    ctx, client, endorsed, monkeypatch
):
    real, calls = customs_config._fetch_jwks, []

    def fetch(url):  # the first fetch predates the key the body then signed with
        calls.append(url)
        return {"keys": []} if len(calls) == 1 else real(url)

    monkeypatch.setattr(customs_config, "_fetch_jwks", fetch)
    verifier.clear_caches()
    ctx._customs = customs_config.load(ctx.customs.source)
    legal = public(client, endorsed)["checks"]["legal"]
    # Fetched a moment ago: not fetched again at once (at most once a minute), and the answer
    # is kept a minute only — never "not valid" for the rest of the day.
    assert (legal["code"], legal["reason"]) == ("endorsement_invalid", "unknown_key")
    assert legal["endorsement"]  # the body's token travels with the answer
    assert len(calls) == 1
    ctx.customs._jwks = {k: (t - 61, keys) for k, (t, keys) in ctx.customs._jwks.items()}
    for result in list(verifier._results._data.values()):
        result.expires -= verifier.UNCHECKED_ENDORSEMENT_TTL + 1
    legal = public(client, endorsed)["checks"]["legal"]
    assert (legal["code"], legal["verified"]) == ("endorsed", True)
    assert len(calls) == 2


# --- on an event loop (`originlink serve` answers SQLite reads there) ---------------------

KEYS = {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1", "x": "A" * 43}]}


@pytest.fixture
def held_jwks_url(tmp_path):
    """An issuing body whose JWKS URL answers only once `release` is set; its configuration
    and the paths asked."""
    release, asked = threading.Event(), []

    class Held(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            release.wait(10)
            body = json.dumps(KEYS).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Held)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    path = tmp_path / "customs.toml"
    path.write_text(
        "[issuing_bodies.CN-GACC]\n"
        'name = "A body"\n'
        'country = "CN"\n'
        'mode = "paper-parallel"\n'
        f'jwks_url = "http://127.0.0.1:{server.server_address[1]}/jwks.json"\n',
        encoding="utf-8",
    )
    try:
        yield customs_config.load(path), release, asked
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def _on_a_loop(call):
    async def run():
        return call()

    return asyncio.run(run())


def _fetched(configured) -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("originlink-jwks-"):
            thread.join(10)
    assert not configured._jwks_fetching


def test_on_an_event_loop_the_keys_are_fetched_by_a_thread_never_waited_for(held_jwks_url):
    configured, release, asked = held_jwks_url
    with pytest.raises(customs_config.ConfigError, match="being fetched"):
        _on_a_loop(lambda: configured.jwks("CN-GACC"))
    # Answered while the URL still holds the fetch (a loop that waited would have got the
    # keys, ten seconds later).
    assert configured._jwks_fetching == {"CN-GACC"}
    with pytest.raises(customs_config.ConfigError, match="being fetched"):
        _on_a_loop(lambda: configured.jwks("CN-GACC"))  # one fetch at a time per body
    release.set()
    _fetched(configured)
    assert _on_a_loop(lambda: configured.jwks("CN-GACC")) == KEYS
    assert asked == ["/jwks.json"]


def test_on_an_event_loop_keys_held_serve_while_they_are_fetched_again(held_jwks_url):
    configured, release, asked = held_jwks_url
    release.set()
    assert configured.jwks("CN-GACC") == KEYS  # off the loop: fetched and waited for
    release.clear()
    configured._jwks = {k: (t - 3601, keys) for k, (t, keys) in configured._jwks.items()}
    # An hour later: the keys held still hold, and are fetched again behind the answer.
    assert _on_a_loop(lambda: configured.jwks("CN-GACC")) == KEYS
    assert configured._jwks_fetching == {"CN-GACC"}
    # A key of theirs not in those (refresh) is never answered from them: not checked yet.
    with pytest.raises(customs_config.ConfigError, match="being fetched"):
        _on_a_loop(lambda: configured.jwks("CN-GACC", refresh=True))
    release.set()
    _fetched(configured)
    assert len(asked) == 2  # the first and the hour's: the refresh found that one running


def test_each_server_process_fetches_the_keys_before_pages_ask(held_jwks_url):
    configured, release, asked = held_jwks_url
    release.set()
    configured.fetch_keys_in_background()  # what `originlink serve` does as a worker starts
    _fetched(configured)
    assert _on_a_loop(lambda: configured.jwks("CN-GACC")) == KEYS
    assert asked == ["/jwks.json"]
