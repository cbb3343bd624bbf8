"""Bad input is never a 500: random bodies and random mutations of a valid certificate."""

from __future__ import annotations

import copy
import json

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import auth, load_example

EXAMPLE = load_example()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(doc, prefix=()):
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield prefix + (i,)
            yield from _paths(value, prefix + (i,))


PATHS = list(_paths(EXAMPLE))


def _mutate(path, value):
    doc = copy.deepcopy(EXAMPLE)
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return doc


@pytest.fixture
def fuzz_client(app, api_key):
    with Client(app) as client:
        yield client, api_key


def _check(response):
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert response.headers["Content-Type"] == "application/problem+json"
        assert json.loads(response.body)["code"]


FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(body=st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()))
def test_random_bodies(fuzz_client, body):
    client, key = fuzz_client
    for path in ("/v1/certificates", "/v1/precheck", "/v1/certificates/crt_x/cancel"):
        _check(client.http.post(path, headers=auth(key, "fuzz"), body=body))


@FUZZ
@given(path=st.sampled_from(PATHS), value=json_values, n=st.integers(0, 10**6))
def test_mutated_certificates(fuzz_client, path, value, n):
    client, key = fuzz_client
    doc = _mutate(path, value)
    body = json.dumps(doc, allow_nan=True)
    response = client.http.post("/v1/certificates", headers=auth(key, f"m-{n}"), body=body)
    _check(response)
    precheck = client.http.post("/v1/precheck", headers=auth(key), body=body)
    _check(precheck)
