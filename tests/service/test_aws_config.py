"""The Lambda configuration — DynamoDB storage and a KMS signing key — end to end under moto,
through the same app and the same routes."""

from __future__ import annotations

import json

import boto3
import pytest
from chalice.test import Client

from originlink.signing import KmsKeyring, verify_jws
from originlink_service import settings as settings_module
from originlink_service.auth import create_api_key
from originlink_service.outbox import drain_once
from originlink_service.storage.dynamodb import table_definition

from .conftest import auth


@pytest.fixture
def aws_ctx(aws_env):
    boto3.client("dynamodb").create_table(**table_definition("originlink-lambda"))
    old_key = KmsKeyring.create_key(boto3.client("kms"))
    new_key = KmsKeyring.create_key(boto3.client("kms"))
    env = {
        "ORIGINLINK_STORAGE": "dynamodb",
        "ORIGINLINK_TABLE": "originlink-lambda",
        "ORIGINLINK_SIGNER": "kms",
        "ORIGINLINK_KMS_KEY_ID": new_key,
        "ORIGINLINK_KMS_RETIRED_KEY_IDS": old_key,
    }
    ctx = settings_module.configure(settings_module.Settings.from_env(env))
    yield ctx
    settings_module.configure()


def test_lambda_configuration_end_to_end(aws_ctx, certificate):
    from originlink_service.app import app

    _, _, key = create_api_key(aws_ctx.store, "acme")
    with Client(app) as client:
        resp = client.http.post(
            "/v1/certificates", headers=auth(key, "aws-1"), body=json.dumps(certificate)
        )
        assert resp.status_code == 201, resp.body
        created = json.loads(resp.body)
        replay = client.http.post(
            "/v1/certificates", headers=auth(key, "aws-1"), body=json.dumps(certificate)
        )
        assert json.loads(replay.body) == created
        jwks = json.loads(client.http.get("/.well-known/jwks.json").body)
        assert len(jwks["keys"]) == 2  # active and retired
        assert verify_jws(created["signature"]["jws"], jwks)["digest"] == created["digest"]
        assert created["signature"]["kid"] == jwks["keys"][0]["kid"]
        cancel = client.http.post(
            f"/v1/certificates/{created['id']}/cancel",
            headers=auth(key, "aws-c"),
            body=json.dumps({"reason": "test"}),
        )
        assert json.loads(cancel.body)["state"] == "cancelled"
    assert aws_ctx.store.get_by_public_id(created["public_id"]).state == "cancelled"
    assert drain_once(aws_ctx) == 0
    assert aws_ctx.store.list_outbox() == []  # no destination connected: paper-parallel


def test_endpoints_queue_and_clients_come_from_the_settings(monkeypatch):
    """One place for every setting: the AWS endpoints (a moto server in the parity run, a VPC
    endpoint in production) and the queue are read by settings.py and used for every client."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")
    env = {
        "ORIGINLINK_DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:5001",
        "ORIGINLINK_KMS_ENDPOINT_URL": "http://127.0.0.1:5002",
        "ORIGINLINK_SQS_ENDPOINT_URL": "http://127.0.0.1:5003",
        "ORIGINLINK_OUTBOX_QUEUE_URL": "http://127.0.0.1:5003/123456789012/outbox",
    }
    ctx = settings_module.Context(settings_module.Settings.from_env(env))
    assert ctx.settings.outbox_queue_url == env["ORIGINLINK_OUTBOX_QUEUE_URL"]
    for service, port in (("dynamodb", 5001), ("kms", 5002), ("sqs", 5003)):
        assert ctx.aws_client(service).meta.endpoint_url == f"http://127.0.0.1:{port}"
    default = settings_module.Context(settings_module.Settings.from_env({}))
    assert default.aws_client("dynamodb").meta.endpoint_url == (
        "https://dynamodb.ap-southeast-1.amazonaws.com"
    )
