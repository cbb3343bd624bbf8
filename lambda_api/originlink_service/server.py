"""`originlink serve`: gunicorn's arbiter (worker processes, restarts, graceful shutdown, the
hooks that start an outbox worker thread in each process) with an asyncio worker — uvicorn's,
its HTTP/1.1 protocol hardened by `connection_guard.py` — serving the ASGI adapter (`asgi.py`),
which runs the Chalice app in a bounded pool of threads per process. Keep-alive connections
are kept even across the worker processes (`balance.py`).

Why not gunicorn's threaded worker: a thread there reads the request itself, so fifty clients
sending a header byte every four seconds hold every thread and the health check waits (issue
17; docs/reliability.md has the figures of both, measured in one run by
`bench/bench_slow_clients.py`). Here the event loop reads every request in full, against
deadlines, before a thread is taken.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from gunicorn.app.base import BaseApplication
from uvicorn_worker import UvicornWorker

from .asgi import BodyLimits
from .balance import ConnectionBalance
from .connection_guard import ConnectionLimits, GuardedHttpToolsProtocol
from .settings import Settings, configure, context


class GuardedWorker(UvicornWorker):
    """A gunicorn worker process running uvicorn with the guarded protocol."""

    CONFIG_KWARGS = {"loop": "auto", "http": "httptools", "server_header": False}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = getattr(self.app, "connection_limits", ConnectionLimits())
        balance = getattr(self.app, "balance", None)
        self.config.http = GuardedHttpToolsProtocol.with_limits(limits, balance)
        self.config.timeout_graceful_shutdown = self.cfg.graceful_timeout
        self.config.timeout_notify = 1  # seconds between heartbeats (and arbiter checks)

    async def callback_notify(self) -> None:
        """The heartbeat gunicorn's arbiter watches; and if the arbiter itself is gone
        (`kill -9`), a graceful exit rather than an orphan holding the port — what gunicorn's
        own workers do, and uvicorn's does not."""
        if os.getppid() != self.ppid:
            self.log.info("Parent changed, shutting down: %s", self)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        self.notify()


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
        connection_limits: ConnectionLimits | None = None,
        body_limits: BodyLimits | None = None,
        keepalive: int = 5,
    ):
        self.settings = settings
        self.on_ready = on_ready
        self.outbox_interval = outbox_interval
        self.threads = threads
        self.connection_limits = connection_limits or ConnectionLimits()
        self.body_limits = body_limits or BodyLimits(max_bytes=settings.max_body_bytes)
        self.balance = ConnectionBalance(workers)  # shared memory: made before the fork
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": GuardedWorker,
            "keepalive": keepalive,
            "timeout": 30,
            "graceful_timeout": 10,
            "accesslog": "-" if access_log else None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "originlink",
            "pre_fork": self._pre_fork,
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
        from .asgi import ChaliceASGI

        return ChaliceASGI(
            app,
            limits=self.body_limits,
            threads=self.threads,
            inline_reads=self.settings.storage == "sqlite",
            balance=self.balance,
        )

    # gunicorn hooks ---------------------------------------------------------------------
    def _pre_fork(self, server, worker) -> None:
        # In the arbiter: the worker about to be forked takes a free slot of the balance.
        worker.balance_slot = self.balance.free_slot(
            getattr(w, "balance_slot", None) for w in server.WORKERS.values()
        )

    def _post_fork(self, server, worker) -> None:
        # Fresh store and key ring in the worker: nothing opened by the parent is shared.
        configure(self.settings)
        self.balance.join(worker.balance_slot)

    def _post_worker_init(self, worker) -> None:
        from originlink.classify import preload

        from .outbox import OutboxWorker

        # The shipped tables read before the first request, which would otherwise pay for
        # them (a worker's first issuance took ~450 ms under load instead of ~30 ms).
        preload()
        # The issuing bodies' keys, fetched before a page needs them: reads answered on the
        # event loop never wait for them (customs/config.py, `Configured.jwks`).
        context().customs.fetch_keys_in_background()

        self._outbox = OutboxWorker(context, interval=self.outbox_interval)
        self._outbox.start()

    def _worker_exit(self, server, worker) -> None:
        if self._outbox is not None:
            self._outbox.stop()

    def _when_ready(self, server) -> None:
        if self.on_ready is not None:
            self.on_ready()
