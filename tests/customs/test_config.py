"""The customs configuration: one file, read through the settings, refused in one sentence
naming the field when it cannot work."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from originlink_service.customs import config
from originlink_service.settings import Settings

VN = '[destinations.VN]\nmode = "direct"\nendpoint = "https://customs.example.vn/co"\n'


def load_text(tmp_path, text: str, name: str = "c.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return config.load(path)


def test_built_in_default_connects_nothing_and_knows_chinas_issuing_bodies():
    default = config.load(None)
    assert default.config.destinations == {}
    assert default.destination("VN").mode == "paper-parallel"
    assert sorted(default.config.issuing_bodies) == ["CN-CCPIT", "CN-GACC"]
    assert not any(b.pushed for b in default.config.issuing_bodies.values())
    box16 = "China Council for the Promotion of International Trade, Guangdong"
    assert default.issuing_body_for("CN", box16)[0] == "CN-CCPIT"
    assert default.issuing_body_for("CN", "something else")[0] == "CN-GACC"  # the default
    assert default.issuing_body_for("TH", None) is None


def test_the_settings_name_the_file(tmp_path):
    path = tmp_path / "x.toml"
    settings = Settings.from_env({"ORIGINLINK_CUSTOMS_CONFIG": str(path)})
    assert settings.customs_file == path
    embedded = Settings(data_dir=tmp_path)
    assert embedded.customs_file is None
    (tmp_path / "customs.toml").write_text("")
    assert embedded.customs_file == tmp_path / "customs.toml"  # what serve --simulator writes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (VN + 'credentials = "env:X"\nversion = "9.9"\n', "version '9.9' of adapter 'json'"),
        (
            '[destinations.VN]\nmode = "direct"\ncredentials = "env:X"\n',
            "needs an http(s) endpoint",
        ),
        (VN, "needs credentials"),
        (VN + 'credentials = "hunter2"\n', "credentials must be a reference"),
        ('[destinations.VN]\nmode = "push"\n', "destinations.VN.mode"),
        ('[destinations.vn]\nmode = "paper-parallel"\n', "destination 'vn'"),
        (VN + 'credentials = "env:X"\ncategories = ["9"]\n', "category '9'"),
        ('[issuing_bodies.GACC]\nname = "x"\ncountry = "CN"\n', "issuing body 'GACC'"),
        (
            '[issuing_bodies.CN-X]\nname = "x"\ncountry = "CN"\nmode = "direct"\n'
            'endpoint = "https://x"\ncredentials = "env:X"\n',
            "needs its keys",
        ),
        ("[destinations.VN\n", "customs configuration"),
        ("[forwarder]\nmax_attempts = 0\n", "forwarder.max_attempts"),
        (VN + 'credentials = "env:X"\ncolour = "red"\n', "destinations.VN.colour"),
    ],
)
def test_a_configuration_that_cannot_work_is_refused_naming_the_field(tmp_path, text, message):
    with pytest.raises(config.ConfigError, match="customs configuration") as info:
        load_text(tmp_path, text)
    assert message in str(info.value)


def test_categories_select_the_products_received_electronically(tmp_path):
    loaded = load_text(tmp_path, VN + 'credentials = "env:X"\ncategories = ["94", "8471"]\n')
    vn = loaded.destination("VN")
    assert vn.out_of_scope(["940360", "847130"]) is None
    assert vn.out_of_scope(["940360", "610910"]) == "610910"


def test_credentials_are_references_resolved_when_used(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"VN": "v" * 40}))
    (tmp_path / "th.secret").write_text("t" * 40 + "\n")

    def peer(party: str, credentials: str) -> str:
        endpoint = f"https://{party.lower()}.example"
        return f'[destinations.{party}]\nmode = "direct"\nendpoint = "{endpoint}"\n' + (
            f'credentials = "{credentials}"\n'
        )

    text = (
        VN
        + 'credentials = "file:secrets.json#VN"\n'  # relative to the configuration's folder
        + peer("TH", "file:th.secret")
        + peer("MY", "env:MY_SECRET")
        + peer("SG", "env:SHORT")
    )
    loaded = load_text(tmp_path, text)
    assert loaded.secret("VN") == "v" * 40
    assert loaded.secret("TH") == "t" * 40
    with pytest.raises(config.ConfigError, match="MY_SECRET.*not set"):
        loaded.secret("MY")
    monkeypatch.setenv("MY_SECRET", "m" * 40)
    assert loaded.secret("MY") == "m" * 40
    monkeypatch.setenv("SHORT", "tiny")
    with pytest.raises(config.ConfigError, match="shorter than 32"):
        loaded.secret("SG")


def test_json_works_as_well_as_toml(tmp_path):
    data = {"destinations": {"VN": {"mode": "paper-parallel"}}}
    loaded = load_text(tmp_path, json.dumps(data), name="c.json")
    assert loaded.destination("VN").mode == "paper-parallel"


def test_the_summary_exporters_see_has_no_endpoints_or_secrets(tmp_path):
    loaded = load_text(tmp_path, VN + 'credentials = "env:X"\n')
    text = json.dumps(loaded.summary)
    assert "customs.example.vn" not in text and "env:X" not in text
    assert loaded.summary["destinations"]["VN"]["mode"] == "direct"


def test_serve_refuses_to_start_with_a_broken_configuration(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(VN)  # no credentials
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "originlink",
            "serve",
            "--port",
            "18709",
            "--data-dir",
            str(tmp_path / "d"),
        ],
        env={**__import__("os").environ, "ORIGINLINK_CUSTOMS_CONFIG": str(bad)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("originlink serve: customs configuration")
    assert "needs credentials" in result.stderr and "Traceback" not in result.stderr
