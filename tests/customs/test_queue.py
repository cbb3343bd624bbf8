"""The AWS path of the forwarder, under moto (DynamoDB, SQS) with the simulator as customs: a
change puts its entries on the queue; the SQS handler delivers them with partial batch
responses; a failed attempt comes back after its backoff (DelaySeconds); the scheduled relay
hands over whatever is due, each message carrying the entry's lease."""

from __future__ import annotations

import json

import boto3
import pytest
from chalice.test import Client

from originlink_service import outbox, service
from originlink_service import settings as settings_module
from originlink_service.auth import create_api_key
from originlink_service.customs import config
from originlink_service.storage.dynamodb import table_definition
from originlink_simulator.peer import Faults

from .conftest import customs_file, load_example


@pytest.fixture
def aws(aws_env, tmp_path, peer):
    boto3.client("dynamodb").create_table(**table_definition("originlink-q"))
    queue = boto3.client("sqs").create_queue(QueueName="originlink-outbox")["QueueUrl"]
    settings = settings_module.Settings(
        storage="dynamodb",
        table="originlink-q",
        data_dir=tmp_path / "keys",
        outbox_queue_url=queue,
    )
    ctx = settings_module.configure(settings)
    ctx._customs = config.load(customs_file(tmp_path, peer.base))
    # The simulator checks the messages with this service's keys and calls back into it.
    from .conftest import _in_process_callback

    peer.sim._service_jwks = lambda refresh: ctx.keyring.jwks()
    peer.sim._post = _in_process_callback(ctx)
    yield ctx
    settings_module.configure()


def _issue(ctx, number: str) -> dict:
    exporter = create_api_key(ctx.store, "acme")[0]
    doc = load_example("certificate-declaration.json")
    doc["number"] = number
    request = service.IdempotentRequest(number, "h-" + number)
    return service.create(ctx, exporter.id, doc, request=request).body


def _receive(ctx) -> list[dict]:
    sqs = ctx.aws_client("sqs")
    got = sqs.receive_message(QueueUrl=ctx.settings.outbox_queue_url, MaxNumberOfMessages=10)
    messages = got.get("Messages", [])
    for m in messages:
        sqs.delete_message(QueueUrl=ctx.settings.outbox_queue_url, ReceiptHandle=m["ReceiptHandle"])
    return messages


def _lambda_event(messages: list[dict]) -> dict:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:originlink-outbox",
                "awsRegion": "ap-southeast-1",
            }
            for m in messages
        ]
    }


def test_a_new_certificate_is_on_the_queue_and_the_handler_delivers_it(aws, peer):
    created = _issue(aws, "Q-1")
    [message] = _receive(aws)
    entry_id = json.loads(message["Body"])["outbox_id"]
    poison = {"MessageId": "poison-1", "ReceiptHandle": "r", "Body": "not json"}
    from originlink_service.app import app

    with Client(app) as client:
        answer = client.lambda_.invoke("forward_outbox", _lambda_event([message, poison]))
    # Partial batch response: only the message that cannot succeed is retried (then the DLQ).
    assert answer.payload == {"batchItemFailures": [{"itemIdentifier": "poison-1"}]}
    assert aws.store.get_outbox(entry_id).status == "done"
    assert peer.sim.wait_idle()
    assert aws.store.get_by_public_id(created["public_id"]).state == "accepted"
    # A repeated message for a finished entry is simply done.
    assert outbox.handle_queue_messages(aws, [("again", message["Body"])]) == []
    assert peer.count(created["id"], "TH/submit") == 1


def test_a_failed_attempt_comes_back_after_its_backoff(aws, peer):
    peer.sim.faults = Faults(status=503)
    _issue(aws, "Q-2")
    [message] = _receive(aws)
    assert outbox.handle_queue_messages(aws, [(message["MessageId"], message["Body"])]) == []
    attributes = aws.aws_client("sqs").get_queue_attributes(
        QueueUrl=aws.settings.outbox_queue_url, AttributeNames=["All"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"  # its retry, delayed
    [entry] = aws.store.list_outbox()
    assert entry.attempts == 1 and entry.status == "pending"


def test_the_scheduled_relay_hands_over_what_is_due_with_its_lease(aws, peer):
    created = _issue(aws, "Q-3")
    _receive(aws)  # the doorbell's message was lost
    from originlink_service.app import app

    with Client(app) as client:
        scheduled = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [])
        relayed = client.lambda_.invoke("drain_outbox", scheduled)
    assert relayed.payload == {"queued": 1}
    [message] = _receive(aws)
    body = json.loads(message["Body"])
    entry = aws.store.get_outbox(body["outbox_id"])
    assert body["lease_token"] == entry.lease_token  # held for this message
    assert outbox.relay(aws) == 0  # not handed over twice
    assert outbox.handle_queue_messages(aws, [(message["MessageId"], message["Body"])]) == []
    assert peer.sim.wait_idle()
    assert aws.store.get_by_public_id(created["public_id"]).state == "accepted"
