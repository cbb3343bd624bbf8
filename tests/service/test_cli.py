"""`originlink keys|outbox|signing-keys` and the thread-safe Chalice app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

from .conftest import ROOT


def cli(*args, data_dir, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "originlink", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_keys_create_list_revoke(tmp_path):
    created = json.loads(cli("keys", "create", "--exporter", "acme", data_dir=tmp_path).stdout)
    assert created["exporter"] == "acme" and created["api_key"].startswith("olk_")
    second = json.loads(cli("keys", "create", "--exporter", "acme", data_dir=tmp_path).stdout)
    assert second["exporter_id"] == created["exporter_id"]  # same exporter, new key
    listed = json.loads(cli("keys", "list", data_dir=tmp_path).stdout)
    assert [k["key_id"] for k in listed] == [created["key_id"], second["key_id"]]
    assert all(created["api_key"] not in json.dumps(k) for k in listed)
    assert listed[0]["ends_with"] == created["api_key"][-4:]
    revoked = json.loads(cli("keys", "revoke", created["key_id"], data_dir=tmp_path).stdout)
    assert revoked == {"key_id": created["key_id"], "revoked": True}
    listed = json.loads(cli("keys", "list", "--exporter", "acme", data_dir=tmp_path).stdout)
    assert listed[0]["revoked_at"] and listed[1]["revoked_at"] is None
    missing = cli("keys", "revoke", "key_nope", data_dir=tmp_path, check=False)
    assert missing.returncode == 2 and "no API key" in missing.stderr
    missing = cli("keys", "list", "--exporter", "nobody", data_dir=tmp_path, check=False)
    assert missing.returncode == 2


def test_signing_keys_rotate_and_list(tmp_path):
    first = json.loads(cli("signing-keys", "rotate", data_dir=tmp_path).stdout)
    second = json.loads(cli("signing-keys", "rotate", data_dir=tmp_path).stdout)
    assert second["retired"] == [first["active"]]
    listed = json.loads(cli("signing-keys", "list", data_dir=tmp_path).stdout)
    assert listed == [
        {"kid": second["active"], "status": "active"},
        {"kid": first["active"], "status": "retired"},
    ]


def test_outbox_list_is_json(tmp_path):
    assert json.loads(cli("outbox", "list", data_dir=tmp_path).stdout) == []


def test_current_request_is_per_thread(app):
    """Two threads set different requests; each reads back its own."""
    seen, barrier = {}, threading.Barrier(2)

    def worker(name):
        app.current_request = name
        barrier.wait()
        seen[name] = app.current_request

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": "a", "b": "b"}


def test_core_cli_does_not_import_service_dependencies():
    code = (
        "import sys; import originlink.cli as c; c.build_parser();"
        "bad = [m for m in ('cryptography', 'chalice', 'gunicorn', 'boto3') if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr


def test_service_commands_come_through_the_entry_point_group():
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="originlink.commands")}
    assert names["serve"] == "originlink_service.commands.serve:register"
    assert {"keys", "outbox", "signing-keys"} <= set(names)


def test_a_service_command_without_the_service_says_what_to_install(monkeypatch, capsys):
    """As in Odoo's environment, where only the core is installed (scripts/test_odoo.sh checks
    the same with the real install)."""
    import originlink.cli as cli

    monkeypatch.setattr(cli, "entry_points", lambda group: [])
    assert cli.main(["keys", "list", "--data-dir", "x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "originlink keys: this command comes with the originlink-service distribution, "
        "which is not installed (pip install originlink-service)"
    ]
    assert cli.main(["schema"]) == 0  # the core's own commands are unaffected


def test_operator_commands_never_create_a_data_directory_by_accident(tmp_path):
    elsewhere = tmp_path / "some-other-folder"
    elsewhere.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "originlink", "keys", "list"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ORIGINLINK_")},
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"originlink keys: no data directory {elsewhere / 'var'}; give --data-dir (or "
        "ORIGINLINK_DATA_DIR), or create it: originlink serve --data-dir var (or mkdir)"
    ]
    assert list(elsewhere.iterdir()) == []  # no ./var left behind


def test_operator_commands_say_which_data_directory_they_use(tmp_path):
    result = cli("outbox", "list", data_dir=tmp_path)
    assert result.stderr.strip() == f"originlink outbox: data directory {tmp_path}"


def test_serve_on_a_busy_port_says_so_in_one_sentence(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "originlink", "serve", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"originlink serve: port {port} on 127.0.0.1 is already in use (another server is "
        f"running); stop it or choose another port, e.g. make run PORT={port + 1}"
    ]
    assert not (tmp_path / "var").exists()
