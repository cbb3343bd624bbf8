"""Shared test settings.

Hypothesis: no per-example deadline (the machine is shared; tests never assert time), and under
CI (`CI=true`, set by the CI runner) a derandomized run, so a submission's result does not hang
on a random draw. Property tests still explore freely in local runs, where a find is a bug to
fix with a regression example.
"""

import os

import storage_backend
from hypothesis import settings

settings.register_profile("local", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "local")


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        choices=sorted(storage_backend.BACKENDS),
        default="sqlite",
        help="storage and signing of the service tests: sqlite (embedded) or aws (DynamoDB, "
        "KMS, SQS on a moto server over HTTP)",
    )


def pytest_configure(config):
    storage_backend.select(config.getoption("--backend"))


def pytest_report_header(config):
    return f"service backend: {storage_backend.current().name}"


def pytest_unconfigure(config):
    backend = storage_backend.current()
    if hasattr(backend, "stop"):
        backend.stop()
