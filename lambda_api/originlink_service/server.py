"""`originlink serve`: the Chalice app under gunicorn (gthread workers: a pool of threads per
process, HTTP/1.1 keep-alive), with an outbox worker thread in each worker process."""

from __future__ import annotations

from collections.abc import Callable

from gunicorn.app.base import BaseApplication

from .settings import Settings, configure, context


class OriginLinkServer(BaseApplication):
    def __init__(
        self,
        settings: Settings,
        *,
        host: str,
        port: int,
        workers: int = 1,
        threads: int = 8,
        on_ready: Callable[[], None] | None = None,
        outbox_interval: float = 2.0,
        access_log: bool = True,
    ):
        self.settings = settings
        self.on_ready = on_ready
        self.outbox_interval = outbox_interval
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "keepalive": 5,
            "timeout": 30,
            "graceful_timeout": 10,
            "accesslog": "-" if access_log else None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "originlink",
            "post_fork": self._post_fork,
            "post_worker_init": self._post_worker_init,
            "worker_exit": self._worker_exit,
            "when_ready": self._when_ready,
        }
        self._outbox = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25: not needed here
            self.cfg.set("control_socket_disable", True)

    def load(self):
        from .app import app
        from .wsgi import ChaliceWSGI

        return ChaliceWSGI(app, self.settings.max_body_bytes)

    # gunicorn hooks ---------------------------------------------------------------------
    def _post_fork(self, server, worker) -> None:
        # Fresh store and key ring in the worker: nothing opened by the parent is shared.
        configure(self.settings)

    def _post_worker_init(self, worker) -> None:
        from .outbox import OutboxWorker

        self._outbox = OutboxWorker(context, interval=self.outbox_interval)
        self._outbox.start()

    def _worker_exit(self, server, worker) -> None:
        if self._outbox is not None:
            self._outbox.stop()

    def _when_ready(self, server) -> None:
        if self.on_ready is not None:
            self.on_ready()
