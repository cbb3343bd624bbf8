"""`originlink outbox list | redrive`: an operator sees the dead letters and puts them back."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import create, load_example


def run(*args: str, data: Path) -> subprocess.CompletedProcess:
    import storage_backend

    env = {k: v for k, v in os.environ.items() if not k.startswith("ORIGINLINK_")}
    env.update(storage_backend.current().env(data))  # the test's backend, as a deployment sets it
    return subprocess.run(
        [sys.executable, "-m", "originlink", "outbox", *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_dead_letters_are_listed_and_redriven(ctx, peer, client, api_key):
    create(client, api_key, load_example("certificate-declaration.json"), "cli-1")
    [entry] = ctx.store.lease_outbox("9999-01-01T00:00:00.000000Z", "9999-01-01T00:01:00.000000Z")
    ctx.store.finish_outbox(dataclasses.replace(entry, status="dead", attempts=16))
    data = ctx.settings.data_dir
    data.mkdir(parents=True, exist_ok=True)

    listed = run("list", "--status", "dead", "--kind", "forward", data=data)
    assert listed.returncode == 0, listed.stderr
    assert [e["id"] for e in json.loads(listed.stdout)] == [entry.id]

    assert run("redrive", data=data).returncode == 2  # names nothing
    unknown = run("redrive", "obx_unknown", data=data)
    assert unknown.returncode == 1 and "obx_unknown" in unknown.stderr

    redriven = run("redrive", "--all", data=data)
    assert redriven.returncode == 0, redriven.stderr
    assert json.loads(redriven.stdout) == {"redriven": [entry.id]}
    again = ctx.store.get_outbox(entry.id)
    assert (again.status, again.attempts) == ("pending", 0)
    assert again.history[-1]["redriven"] is True
