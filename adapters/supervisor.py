"""``coachbot serve --workers N``: N server processes on one port, kept running.

One Python process uses one core. On a single host (a hotel's own server, one
container) the simplest way to use every core is several ``coachbot serve`` processes
listening on the same port with ``SO_REUSEPORT``: the kernel spreads new connections
across them, and no load balancer is needed. They share PostgreSQL and Redis exactly as
separate machines would.

The supervisor is the parent: it starts the workers as fresh interpreters (no fork of a
process holding an event loop or database sockets), restarts a worker that dies, and on
SIGTERM/SIGINT passes the signal on and waits for every worker's graceful drain.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from types import FrameType

import structlog

log = structlog.get_logger("coachbot.supervisor")

RESTART_DELAY_SECONDS = 1.0  # a worker that dies at once is not restarted in a tight loop
MAX_RESTART_DELAY_SECONDS = 30.0
HEALTHY_AFTER_SECONDS = 30.0  # a worker that ran this long resets the restart back-off
STOP_GRACE_SECONDS = 50.0  # the workers' own shutdown (25 s) and drain (20 s), and a margin


class Worker:
    def __init__(self, argv: list[str], index: int) -> None:
        self.argv = argv
        self.index = index
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.delay = RESTART_DELAY_SECONDS
        self.restart_at = 0.0

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv)
        self.started = time.monotonic()
        log.info("supervisor.worker_started", worker=self.index, pid=self.proc.pid)


def supervise(host: str, port: int, workers: int) -> int:
    """Run ``workers`` servers on ``host:port`` until told to stop; the exit status."""
    argv = [
        sys.executable,
        "-m",
        "adapters.console.cli",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--reuse-port",
    ]
    pool = [Worker(argv, i) for i in range(workers)]
    stopping: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("supervisor.starting", host=host, port=port, workers=workers)
    for worker in pool:
        worker.start()
    while not stopping:
        time.sleep(0.2)
        for worker in pool:
            _keep_alive(worker)
    return _stop(pool, stopping[0])


def _keep_alive(worker: Worker) -> None:
    now = time.monotonic()
    if worker.proc is not None:
        code = worker.proc.poll()
        if code is None:
            return
        ran = now - worker.started
        worker.delay = (
            RESTART_DELAY_SECONDS
            if ran >= HEALTHY_AFTER_SECONDS
            else min(worker.delay * 2, MAX_RESTART_DELAY_SECONDS)
        )
        log.error(
            "supervisor.worker_died",
            worker=worker.index,
            pid=worker.proc.pid,
            exit_code=code,
            restart_in_seconds=worker.delay,
        )
        worker.proc = None
        worker.restart_at = now + worker.delay
    if now >= worker.restart_at:
        worker.start()


def _stop(pool: list[Worker], signum: int) -> int:
    log.info("supervisor.stopping", signal=signal.Signals(signum).name)
    running = [w.proc for w in pool if w.proc is not None and w.proc.poll() is None]
    for proc in running:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)  # each drains its in-flight work
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    status = 0
    for proc in running:
        try:
            code = proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.error("supervisor.worker_killed", pid=proc.pid)
            proc.kill()
            code = proc.wait()
        status = status or (code if code > 0 else 0)
    log.info("supervisor.stopped")
    return status
