"""infra/resources.yaml, offline: the template merged by `chalice package` lints clean, and what
it declares matches what the code uses — the adapter's table definition, the client calls the
adapter and the KMS signer make, the settings the app reads."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import botocore.session
import pytest
from cfnlint.api import lint
from cfnlint.decode import cfn_yaml
from moto import mock_aws

from originlink.cli import main as cli_main
from originlink_service import settings as settings_module
from originlink_service.storage.dynamodb import table_definition

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_API = ROOT / "lambda_api"
TEMPLATE = ROOT / "infra" / "resources.yaml"

REGIONS = ["ap-southeast-1", "us-east-1"]


def plain(node):
    """cfn-lint's tag-aware loader returns dict/str subclasses; tests want plain data."""
    return json.loads(json.dumps(node))


@pytest.fixture(scope="module")
def template() -> dict:
    return plain(cfn_yaml.load(str(TEMPLATE)))


@pytest.fixture(scope="module")
def resources(template) -> dict:
    return template["Resources"]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> Path:
    """What `make package` does: wheels of both distributions -> `chalice package
    --merge-template`, in a temporary folder so the checkout is left untouched."""
    out = tmp_path_factory.mktemp("package") / "out"
    env = {**os.environ, "AWS_DEFAULT_REGION": REGIONS[0]}  # no AWS call is made
    result = subprocess.run(
        [sys.executable, ROOT / "scripts" / "package_lambda.py", "--out", out],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


# --- the merged template -----------------------------------------------------------------


def test_merged_template_passes_cfn_lint(packaged):
    matches = lint((packaged / "sam.yaml").read_text(encoding="utf-8"), regions=REGIONS)
    assert [str(m) for m in matches] == []


def test_package_holds_the_app_and_both_distributions(packaged):
    names = set(zipfile.ZipFile(packaged / "deployment.zip").namelist())
    assert {"app.py", "originlink_service/settings.py", "originlink/__init__.py"} <= names
    assert "originlink/data/psr/rcep_psr.csv" in names  # package data travels too
    # Bytecode for every module (Lambda's /var/task is read-only: no compiling at cold start).
    tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
    modules = [n for n in names if n.endswith(".py")]
    assert modules and all(
        "/".join([*m.split("/")[:-1], "__pycache__", m.split("/")[-1][:-3] + f".{tag}.pyc"])
        in names
        for m in modules
    )
    # Not in the bundle: the CLI's server (gunicorn, uvicorn), the SDK the Lambda runtime
    # provides, and the customs simulator (a test peer, its own distribution).
    server = ("gunicorn/", "uvicorn/", "uvicorn_worker/", "httptools/", "uvloop/")
    assert not any(n.startswith((*server, "boto3/", "botocore/")) for n in names)
    assert not any(n.startswith("originlink_simulator") for n in names)


def test_app_imports_from_the_bundle_alone(packaged, tmp_path):
    """The built bundle is complete: its app imports with nothing else on the path (no
    site-packages, no checkout), as the Lambda runtime would import it."""
    bundle = tmp_path / "bundle"
    zipfile.ZipFile(packaged / "deployment.zip").extractall(bundle)
    code = (
        "import sys; sys.path[:0] = [sys.argv[1]]; import app;"
        "assert app.app.app_name == 'originlink';"
        "import originlink, originlink_service;"
        "assert originlink.__file__.startswith(sys.argv[1]);"
        "assert originlink_service.__file__.startswith(sys.argv[1]);"
        "assert '/v1/certificates' in app.app.routes and '/v/{public_id}' in app.app.routes;"
        "print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(bundle)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_every_function_runs_with_the_stack_settings_and_role(packaged, resources):
    merged = plain(cfn_yaml.load(str(packaged / "sam.yaml")))["Resources"]
    functions = {n: r for n, r in merged.items() if r["Type"] == "AWS::Serverless::Function"}
    # A new Chalice function (e.g. an SQS forwarder) must get its settings in resources.yaml.
    assert set(functions) == {"APIHandler", "DrainOutbox", "ForwardOutbox"}
    wired = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    for function in functions.values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert {k: variables[k] for k in wired} == wired
        assert variables["ORIGINLINK_TABLE"] == {"Ref": "CertificateTable"}
        assert function["Properties"]["Role"] == {"Fn::GetAtt": ["DefaultRole", "Arn"]}
    assert merged["ServicePolicy"]["Properties"]["Roles"] == [{"Ref": "DefaultRole"}]


def test_every_function_is_traced_logs_json_and_keeps_its_logs_for_a_stated_time(packaged):
    merged = plain(cfn_yaml.load(str(packaged / "sam.yaml")))["Resources"]
    functions = [n for n, r in merged.items() if r["Type"] == "AWS::Serverless::Function"]
    groups = {
        json.dumps(r["Properties"]["LogGroupName"]): r["Properties"]
        for r in merged.values()
        if r["Type"] == "AWS::Logs::LogGroup"
    }
    for name in functions:
        props = merged[name]["Properties"]
        assert props["Tracing"] == "Active"
        assert props["LoggingConfig"]["LogFormat"] == "JSON"  # each line carries the request id
        group = groups[json.dumps({"Fn::Sub": f"/aws/lambda/${{{name}}}"})]
        assert group["RetentionInDays"] == {"Fn::If": ["IsProduction", 365, 30]}
    managed = merged["DefaultRole"]["Properties"]["ManagedPolicyArns"]
    assert managed == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"}
    ]


def test_the_api_answers_only_on_the_custom_domain_at_its_root(packaged, resources):
    """ORIGINLINK_PUBLIC_URL is the custom domain, mapped at `/` (no stage prefix in printed
    links or QR codes); the execute-api URL is off."""
    merged = plain(cfn_yaml.load(str(packaged / "sam.yaml")))["Resources"]
    api = merged["RestAPI"]["Properties"]
    assert api["DisableExecuteApiEndpoint"] is True and api["EndpointConfiguration"] == "REGIONAL"
    assert api["TracingEnabled"] is True
    stage = json.loads((LAMBDA_API / ".chalice" / "config.json").read_text())["stages"]
    assert {s["api_gateway_stage"] for s in stage.values()} == {api["StageName"]}
    domain = resources["ApiDomainName"]["Properties"]
    assert domain["DomainName"] == {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "PublicUrl"}]}]}
    mapping = resources["ApiBasePathMapping"]["Properties"]
    assert "BasePath" not in mapping  # the root
    assert mapping["Stage"] == api["StageName"]
    assert mapping["RestApiId"] == {"Ref": "RestAPI"}
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["ORIGINLINK_PUBLIC_URL"] == {"Ref": "PublicUrl"}
    assert env["ORIGINLINK_ENVIRONMENT"] == {"Fn::If": ["IsProduction", "production", "demo"]}


def test_public_lookups_are_throttled_and_rate_limited_per_ip(packaged, resources):
    merged = plain(cfn_yaml.load(str(packaged / "sam.yaml")))["Resources"]
    api = merged["RestAPI"]["Properties"]
    paths = api["DefinitionBody"]["paths"]
    throttled = {
        (m["ResourcePath"][1:].replace("~1", "/"), m["HttpMethod"].lower())
        for m in api["MethodSettings"]
        if m["ResourcePath"] != "/*"
    }
    lookups = {("/v1/verify", "get"), ("/v1/verify", "post"), ("/v", "get")}
    lookups |= {("/v/{public_id}", "post"), ("/V/{public_id}", "post")}
    assert throttled == lookups
    assert all(method in paths[path] for path, method in lookups)  # routes the app has
    everything = [m for m in api["MethodSettings"] if m["ResourcePath"] == "/*"]
    assert len(everything) == 1 and everything[0]["HttpMethod"] == "*"
    acl = resources["PublicLookupWebAcl"]["Properties"]
    rule = next(r for r in acl["Rules"] if r["Name"] == "public-lookups-per-ip")
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP" and rate["Limit"] == {"Ref": "LookupRequestsPerIp"}
    matched = {
        (s["ByteMatchStatement"]["PositionalConstraint"], s["ByteMatchStatement"]["SearchString"])
        for s in rate["ScopeDownStatement"]["OrStatement"]["Statements"]
    }
    assert matched == {
        ("EXACTLY", "/v1/verify"),
        ("EXACTLY", "/v"),
        ("STARTS_WITH", "/v/"),
        ("STARTS_WITH", "/V/"),
    }
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    association = resources["PublicLookupWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["PublicLookupWebAcl", "Arn"]}
    assert "/restapis/${RestAPI}/stages/api" in association["ResourceArn"]["Fn::Sub"]


def test_environment_names_are_those_the_app_reads(resources):
    tree = ast.parse(
        (LAMBDA_API / "originlink_service" / "settings.py").read_text(encoding="utf-8")
    )
    read = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", None) == "get"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and str(node.args[0].value).startswith("ORIGINLINK_")
    }
    for function in ("APIHandler", "DrainOutbox", "ForwardOutbox"):
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        assert set(variables) <= read
        assert {"ORIGINLINK_TABLE", "ORIGINLINK_KMS_KEY_ID"} <= set(variables)


# --- table, key, queues ------------------------------------------------------------------


def test_table_is_the_one_the_dynamodb_adapter_expects(resources):
    table = resources["CertificateTable"]["Properties"]
    expected = table_definition("any")
    del expected["TableName"]

    def by_name(items):
        return sorted(items, key=lambda i: i.get("AttributeName") or i["IndexName"])

    assert table["BillingMode"] == expected["BillingMode"]
    assert table["KeySchema"] == expected["KeySchema"]
    assert by_name(table["AttributeDefinitions"]) == by_name(expected["AttributeDefinitions"])
    assert by_name(table["GlobalSecondaryIndexes"]) == by_name(expected["GlobalSecondaryIndexes"])
    assert "LocalSecondaryIndexes" not in table and "LocalSecondaryIndexes" not in expected


def test_table_keeps_certificates(resources):
    table = resources["CertificateTable"]
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    props = table["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    # TTL only on the attribute the rate limits' counters carry; the certificate adapter
    # never writes it.
    ttl = props["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expires_at", "Enabled": True}
    adapter = (LAMBDA_API / "originlink_service" / "storage" / "dynamodb.py").read_text()
    assert "expires_at" not in adapter


def test_waf_applies_the_apps_limits_per_address_and_certificate(template, resources):
    """Both modes behave alike: each limit of ratelimits.py has a WAF rule with the same
    number per minute (by default), answering 429 problem+json with Retry-After."""
    from originlink_service.ratelimits import POLICY

    params = template["Parameters"]
    rules = {r["Name"]: r for r in resources["PublicLookupWebAcl"]["Properties"]["Rules"]}
    expected = {
        "access-code-attempts-per-ip": ("AccessCodeAttemptsPerIp", "IP",
                                        POLICY.code_attempts_per_ip.per_minute),
        # WAF cannot tell a right code from a wrong one: it counts every attempt per path,
        # at three times the app's count of wrong codes per certificate.
        "access-code-attempts-per-certificate": ("AccessCodeAttemptsPerCertificate",
                                                 "CUSTOM_KEYS",
                                                 3 * POLICY.wrong_codes_per_certificate.per_minute),
        "typed-lookups-per-ip": ("TypedLookupsPerIp", "IP",
                                 POLICY.typed_lookups_per_ip.per_minute),
        # WAF counts requests, the app items (100 at most per request).
        "bulk-requests-per-ip": ("BulkRequestsPerIp", "IP",
                                 max(10, POLICY.bulk_items_per_ip.per_minute // 100)),
    }  # fmt: skip
    for name, (parameter, key, per_minute) in expected.items():
        rate = rules[name]["Statement"]["RateBasedStatement"]
        assert rate["Limit"] == {"Ref": parameter} and rate["AggregateKeyType"] == key
        assert rate["EvaluationWindowSec"] == 60
        assert params[parameter]["Default"] == per_minute, name
        response = rules[name]["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        assert response["ResponseHeaders"] == [{"Name": "Retry-After", "Value": "60"}]
        body = resources["PublicLookupWebAcl"]["Properties"]["CustomResponseBodies"][
            response["CustomResponseBodyKey"]
        ]
        assert body["ContentType"] == "APPLICATION_JSON"
        assert json.loads(body["Content"])["code"] == "rate_limited"
    certificate = rules["access-code-attempts-per-certificate"]["Statement"]
    assert certificate["RateBasedStatement"]["CustomKeys"] == [
        {"UriPath": {"TextTransformations": [{"Priority": 0, "Type": "LOWERCASE"}]}}
    ]


def test_signing_key_is_p256_sign_verify_and_kept(resources):
    key = resources["SigningKey"]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["KeySpec"] == "ECC_NIST_P256"
    assert key["Properties"]["KeyUsage"] == "SIGN_VERIFY"
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    alias = resources["SigningKeyAlias"]["Properties"]
    assert alias["TargetKeyId"] == {
        "Fn::If": ["UseStackKey", {"Ref": "SigningKey"}, {"Ref": "ActiveSigningKeyArn"}]
    }


def test_outbox_queue_redrives_to_its_dead_letter_queue(resources):
    queue = resources["OutboxQueue"]["Properties"]
    dlq = resources["OutboxDeadLetterQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["OutboxDeadLetterQueue", "Arn"]
    }
    assert 1 <= queue["RedrivePolicy"]["maxReceiveCount"] <= 10
    assert "RedrivePolicy" not in dlq
    # A dead letter must outlive the message it came from (SQS default retention: 4 days).
    assert dlq["MessageRetentionPeriod"] > queue.get("MessageRetentionPeriod", 345600)


def test_alarms_cover_errors_throttles_and_dead_letters(resources):
    alarms = [
        r["Properties"] for r in resources.values() if r.get("Type") == "AWS::CloudWatch::Alarm"
    ]
    watched = {
        (a["Namespace"], a["MetricName"], json.dumps(a["Dimensions"][0]["Value"])) for a in alarms
    }
    for function in ("APIHandler", "DrainOutbox", "ForwardOutbox"):
        ref = json.dumps({"Ref": function})
        assert ("AWS/Lambda", "Errors", ref) in watched
        assert ("AWS/Lambda", "Throttles", ref) in watched
    dlq = json.dumps({"Fn::GetAtt": ["OutboxDeadLetterQueue", "QueueName"]})
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dlq) in watched
    queue = json.dumps({"Fn::GetAtt": ["OutboxQueue", "QueueName"]})
    assert ("AWS/SQS", "ApproximateAgeOfOldestMessage", queue) in watched  # forwarder age
    api = json.dumps({"Ref": "AWS::StackName"})
    assert ("AWS/ApiGateway", "5XXError", api) in watched  # 5xx rate
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)


# --- least privilege ---------------------------------------------------------------------


def _calls_on(path: Path, attribute: str) -> set[str]:
    """Method names called on `self.<attribute>` in a module (its boto3 client)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == attribute
    }


def _operations(service: str, methods: set[str]) -> set[str]:
    client = botocore.session.get_session().create_client(service, region_name=REGIONS[0])
    return {client.meta.method_to_api_mapping[m] for m in methods}


def _statements(resources) -> list[dict]:
    """The policy statements, with both branches of each `Fn::If`."""
    out = []
    for statement in resources["ServicePolicy"]["Properties"]["PolicyDocument"]["Statement"]:
        if "Fn::If" in statement:
            out += [s for s in statement["Fn::If"][1:] if s != {"Ref": "AWS::NoValue"}]
        else:
            out.append(statement)
    return out


def _actions(statements, prefix: str) -> set[str]:
    found = set()
    for s in statements:
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        found |= {a for a in actions if a.startswith(prefix)}
    return found


def test_table_actions_are_exactly_the_adapter_calls(resources):
    adapter = LAMBDA_API / "originlink_service" / "storage" / "dynamodb.py"
    operations = _operations("dynamodb", _calls_on(adapter, "_db") - {"exceptions"})
    if "TransactWriteItems" in operations:
        # A transaction is authorised item by item, as the action of each item's kind.
        operations.remove("TransactWriteItems")
        kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
        kinds["ConditionCheck"] = "ConditionCheckItem"
        keys = {
            k.value
            for node in ast.walk(ast.parse(adapter.read_text(encoding="utf-8")))
            if isinstance(node, ast.Dict)
            for k in node.keys
            if isinstance(k, ast.Constant)
        }
        operations |= {action for kind, action in kinds.items() if kind in keys}
    statements = _statements(resources)
    assert _actions(statements, "dynamodb:") == {f"dynamodb:{op}" for op in operations}
    (table,) = [s for s in statements if _actions([s], "dynamodb:")]
    assert table["Resource"] == [
        {"Fn::GetAtt": ["CertificateTable", "Arn"]},
        {"Fn::Sub": "${CertificateTable.Arn}/index/*"},
    ]


def test_key_actions_are_exactly_the_signer_calls(resources):
    signers = ROOT / "originlink" / "signing" / "signers.py"
    operations = _operations("kms", _calls_on(signers, "_kms"))
    assert operations == {"Sign", "GetPublicKey"}
    statements = _statements(resources)
    assert _actions(statements, "kms:") == {f"kms:{op}" for op in operations}
    # Only the active key and the sandbox world's key sign; retired keys are only read
    # (published in the JWKS).
    signing = [s for s in statements if "kms:Sign" in s["Action"]]
    assert [s["Resource"] for s in signing] == [
        {
            "Fn::If": [
                "UseStackKey",
                {"Fn::GetAtt": ["SigningKey", "Arn"]},
                {"Ref": "ActiveSigningKeyArn"},
            ]
        },
        {"Fn::GetAtt": ["SandboxSigningKey", "Arn"]},
    ]


def test_sandbox_key_is_its_own_p256_key_wired_to_every_function(resources):
    key = resources["SandboxSigningKey"]
    assert key["Properties"]["KeySpec"] == "ECC_NIST_P256"
    assert key["DeletionPolicy"] == "Retain"
    for function in ("APIHandler", "DrainOutbox", "ForwardOutbox"):
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        assert variables["ORIGINLINK_SANDBOX_KMS_KEY_ID"] == {
            "Fn::GetAtt": ["SandboxSigningKey", "Arn"]
        }


def test_no_statement_grants_everything(resources):
    for statement in _statements(resources):
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] != "*"
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert not any(a.endswith("*") for a in actions)


# --- the first API key, as the deploy guide says -----------------------------------------


def test_first_api_key_is_created_in_a_table_built_from_the_template(
    resources, monkeypatch, capsys
):
    props = resources["CertificateTable"]["Properties"]
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGIONS[0],
        "ORIGINLINK_STORAGE": "dynamodb",
        "ORIGINLINK_TABLE": "originlink-stack-table",
    }.items():
        monkeypatch.setenv(key, value)
    create = {
        k: props[k]
        for k in ("BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")
    }
    try:
        with mock_aws():
            boto3.client("dynamodb").create_table(TableName="originlink-stack-table", **create)
            assert cli_main(["keys", "create", "--exporter", "Pearl River Furniture"]) == 0
            created = json.loads(capsys.readouterr().out)
            assert created["api_key"].startswith("olk_")
            assert cli_main(["keys", "list"]) == 0
            listed = json.loads(capsys.readouterr().out)
    finally:
        settings_module.configure()
    assert [(k["key_id"], k["exporter"]) for k in listed] == [
        (created["key_id"], "Pearl River Furniture")
    ]


def test_the_sqs_forwarder_reads_the_outbox_queue_with_partial_batch_responses(packaged):
    merged = plain(cfn_yaml.load(str(packaged / "sam.yaml")))["Resources"]
    events = merged["ForwardOutbox"]["Properties"]["Events"]
    [(name, source)] = events.items()
    assert source["Type"] == "SQS"
    assert source["Properties"]["Queue"] == {"Fn::Sub": "${OutboxQueue.Arn}"}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    variables = merged["ForwardOutbox"]["Properties"]["Environment"]["Variables"]
    assert variables["ORIGINLINK_OUTBOX_QUEUE_URL"] == {"Ref": "OutboxQueue"}
