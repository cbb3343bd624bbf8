"""Every core command stops quietly when the program reading its output goes away (issue
18.2/18.6: `originlink psr show ... | head` printed a BrokenPipeError traceback), and `originlink
assess` writes compact JSON off a terminal, indented with --pretty."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from originlink.cli import EXIT_BROKEN_PIPE, main

from .conftest import EXAMPLES

CERT = str(EXAMPLES / "certificate.json")
BOM = str(EXAMPLES / "assessment-cabinet.json")

COMMANDS = [
    ["schema"],
    ["validate", CERT, "--today", "2026-11-25"],
    ["convert", CERT, "--to", "xml"],
    ["digest", CERT],
    ["classify", CERT, "--today", "2026-11-25"],
    ["assess", BOM],
    ["assess", "--schema", "output"],
    ["psr", "show", "9403 60", "--edition", "HS2022"],
    ["psr", "coverage", "--format", "text"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_closed_pipe_is_no_traceback(args, tmp_path):
    with_store = args[0] == "psr" or args[:2] == ["assess", BOM]
    proc = subprocess.Popen(
        [sys.executable, "-m", "originlink", *args, *(["--psr-dir", str(tmp_path)] * with_store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader is gone before the command writes anything
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == EXIT_BROKEN_PIPE, err
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err


def test_assess_is_compact_off_a_terminal_and_indented_with_pretty(capsys, tmp_path):
    assert main(["assess", BOM, "--psr-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith('{"originating":')
    compact = json.loads(out)
    assert main(["assess", BOM, "--psr-dir", str(tmp_path), "--pretty"]) == 0
    pretty = capsys.readouterr().out
    assert pretty.startswith('{\n  "originating": ') and json.loads(pretty) == compact


def test_assess_output_is_the_documented_contract(tmp_path, capsys):
    """The fast writer gives exactly the dict the contract documents (to_json_dict)."""
    from originlink.rules import assess

    data = json.loads(open(BOM, encoding="utf-8").read())
    assert main(["assess", BOM, "--psr-dir", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out) == assess(data).to_json_dict()


def test_assess_is_indented_on_a_terminal(tmp_path):
    import os
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "originlink", "assess", BOM, "--psr-dir", str(tmp_path)],
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=60) == 0
    os.close(leader)
    assert b'{\r\n  "originating": ' in b"".join(chunks)
