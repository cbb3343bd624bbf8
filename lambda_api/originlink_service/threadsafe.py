"""A Chalice app whose `current_request` (and `lambda_context`) belong to the calling thread.

Stock Chalice stores the request on the app object, so two requests served by two threads of
one process would read each other's body and headers. On Lambda (one request per process at a
time) this changes nothing; under a threaded WSGI server it makes the app safe.
"""

from __future__ import annotations

import threading

from chalice import Chalice


class ThreadSafeChalice(Chalice):
    _per_thread = threading.local()

    @property
    def current_request(self):
        return getattr(self._per_thread, "request", None)

    @current_request.setter
    def current_request(self, value) -> None:
        self._per_thread.request = value

    @property
    def lambda_context(self):
        return getattr(self._per_thread, "lambda_context", None)

    @lambda_context.setter
    def lambda_context(self, value) -> None:
        self._per_thread.lambda_context = value
