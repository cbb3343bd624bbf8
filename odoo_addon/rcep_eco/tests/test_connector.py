"""Every call to the service goes through one connector; what it says when things go wrong is
a sentence with the action to take, then the service's own details."""

import ast
from pathlib import Path

import requests
from odoo.tests import tagged

from ..tools import OriginLinkConnector
from .common import RcepCase

ADDON = Path(__file__).resolve().parents[1]


def problem(status, code, detail, **extra):
    return {
        "method": "GET",
        "path": "/v1/certificates/c-1",
        "request": None,
        "status": status,
        "response": {"type": f"https://originlink.example/problems/{code}", "title": "x",
                     "status": status, "code": code, "detail": detail, **extra},
    }  # fmt: skip


@tagged("post_install", "-at_install")
class TestConnector(RcepCase):
    def connector(self):
        return OriginLinkConnector(self.company)

    def ask(self, entry):
        with self.service(entry):
            return self.connector().get_certificate("c-1")

    def test_one_method_per_endpoint(self):
        connector = self.connector()
        cert = {"number": "RCEP-1"}
        cases = [
            (lambda: connector.create_certificate(cert, "k1"), "POST", "/v1/certificates", cert),
            (lambda: connector.precheck(cert), "POST", "/v1/precheck", cert),
            (lambda: connector.get_certificate("c-1"), "GET", "/v1/certificates/c-1", None),
            (lambda: connector.certificate_events("c-1"), "GET", "/v1/certificates/c-1/events",
             None),
            (lambda: connector.cancel_certificate("c-1", "why", "k2"), "POST",
             "/v1/certificates/c-1/cancel", {"reason": "why"}),
            (lambda: connector.replace_certificate("c-1", cert, "why", "k3"), "POST",
             "/v1/certificates/c-1/replace", {"certificate": cert, "reason": "why"}),
            (lambda: connector.certified_true_copy("c-1", "lost", None, "k4"), "POST",
             "/v1/certificates/c-1/certified-true-copy", {"reason": "lost", "note": None}),
        ]  # fmt: skip
        for call, method, path, body in cases:
            entry = {"method": method, "path": path, "request": body, "status": 200, "response": {}}
            with self.service(entry):
                answer = call()
            self.assertTrue(answer.ok, answer.error)

    def test_no_url_path_outside_the_connector(self):
        """The models build no service URL themselves (issue 15.3)."""
        for path in (ADDON / "models").glob("*.py"):
            tree = ast.parse(path.read_text())
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                and node.body
                and isinstance(node.body[0], ast.Expr)
            }
            for node in ast.walk(tree):
                if id(node) in docstrings:
                    continue
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    self.assertNotIn("/v1/", node.value, f"{path.name} builds a service path")
                if isinstance(node, ast.JoinedStr):
                    text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                    self.assertNotIn("/v1/", text, f"{path.name} builds a service path")
            self.assertNotIn("import requests", path.read_text(), path.name)

    def test_network_errors_are_sentences_with_the_action(self):
        for error, expected in (
            (requests.ConnectionError("refused"), "cannot be reached. Check the internet"),
            (requests.Timeout("read timed out"), "did not answer in time. Odoo tries again"),
            (requests.exceptions.SSLError("bad cert"), "certificate that could not be verified"),
        ):
            answer = self.ask(error)
            self.assertTrue(answer.transient)
            self.assertIn(expected, answer.error)
            self.assertIn("Details:", answer.error)
            self.assertNotIn("urllib3", answer.error.split("Details:")[0])

    def test_http_problems_are_sentences_with_the_action(self):
        cases = [
            (problem(401, "invalid_api_key", "the API key is not valid"),
             "did not accept the API key of Guangzhou Pearl River", False),
            (problem(404, "not_found", "no such certificate"),
             "does not know this certificate", False),
            (problem(409, "duplicate_number", "number: RCEP-1 is already used"),
             "already holds a certificate with this number", False),
            (problem(409, "invalid_state", "cancelled"), "Refresh its status", False),
            (problem(422, "invalid_certificate", "x", errors=[{"path": "hs_code", "code": "c",
             "message": "hs_code: unknown", "article": "Annex 3B"}]),
             "Correct them (listed below)", False),
            (problem(429, "rate_limited", "slow down"), "asked to slow down", True),
            (problem(503, "unavailable", "maintenance"), "temporary problem (HTTP 503)", True),
        ]  # fmt: skip
        for entry, sentence, transient in cases:
            answer = self.ask(entry)
            self.assertIn(sentence, answer.error)
            self.assertEqual(answer.transient, transient, entry["response"]["code"])
            detail = entry["response"]["detail"]
            self.assertIn(
                f"HTTP {entry['status']} {entry['response']['code']}: {detail}", answer.error
            )
        self.assertIn("- hs_code: unknown (Annex 3B)", self.ask(cases[4][0]).error)

    def test_not_configured_says_where_to_set_it(self):
        self.company.rcep_api_key = False
        with self.service() as replay:
            answer = self.connector().get_certificate("c-1")
        self.assertEqual(replay.calls, [])
        self.assertIn("Settings > Sales > RCEP e-Certificates of Origin", answer.error)
