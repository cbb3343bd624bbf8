"""`originlink redate`: the examples become valid on any day."""

from __future__ import annotations

import json
from datetime import date, timedelta

from originlink.cli import main
from originlink.model import check_certificate

from .conftest import EXAMPLES


def test_each_example_redated_to_any_day_is_valid_that_day(capsys):
    for days_ahead in (0, 400, 3000):
        day = date.today() + timedelta(days=days_ahead)
        for path in sorted(EXAMPLES.glob("certificate*.json")):
            assert main(["redate", str(path), "--to", day.isoformat()]) == 0
            doc = json.loads(capsys.readouterr().out)
            cert, problems = check_certificate(doc, today=day)
            assert problems == [], (path.name, day, problems)
            original = json.loads(path.read_text(encoding="utf-8"))
            # Intervals kept: issue date to departure is as many days as in the example.
            if original.get("transport", {}).get("departure_date"):
                before = date.fromisoformat(original["transport"]["departure_date"]) - (
                    date.fromisoformat(original["issue_date"])
                )
                after = date.fromisoformat(doc["transport"]["departure_date"]) - (
                    date.fromisoformat(doc["issue_date"])
                )
                assert before == after


def test_unreadable_file_and_bad_date_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["redate", str(bad)]) == 2
    assert "bad.json" in capsys.readouterr().err
    assert main(["redate", str(EXAMPLES / "certificate.json"), "--to", "someday"]) == 2
    assert "--to" in capsys.readouterr().err
