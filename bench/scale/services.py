"""What the app stands on, the bench's own: a PostgreSQL cluster and a Redis on private
ports (never the machine's shared ones: the bench stops and restarts these), and a mail
server (aiosmtpd) that counts what arrives by Message-ID."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _refuse_taken(port: int, what: str) -> None:
    if not _port_free(port):
        raise RuntimeError(f"port {port} is in use: the bench's own {what} needs a free one")


class PrivatePostgres:
    """A PostgreSQL cluster of the bench's own: initdb into a temporary folder, trust
    authentication on 127.0.0.1:`port`, run as the postgres user when the bench is root
    (PostgreSQL refuses root). `stop()` and `start()` are a restart as the app sees it:
    every connection cut, then refused until it is back."""

    def __init__(self, port: int) -> None:
        _refuse_taken(port, "PostgreSQL")
        self.port = port
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version)
        if not versions:
            raise RuntimeError("no PostgreSQL server found under /usr/lib/postgresql")
        self.bin = versions[-1]
        self.folder = tempfile.mkdtemp(prefix="bench-scale-pg-")
        self.data = os.path.join(self.folder, "data")
        self.log = os.path.join(self.folder, "postgres.log")
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres")
        self._run(
            "initdb",
            "-D",
            self.data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "brokerage")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/brokerage"

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*self.as_user, os.path.join(self.bin, program), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"{program} failed: {done.stderr[-2000:]}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c max_connections=200 -c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", self.log, "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: sessions are ended, transactions in flight rolled back."""
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _version(path: str) -> float:
    try:
        return float(path.split("/")[-2])
    except ValueError:
        return 0.0


class PrivateRedis:
    """redis-server on 127.0.0.1:`port`, nothing saved to disk."""

    def __init__(self, port: int) -> None:
        _refuse_taken(port, "Redis")
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(20)
        self.process = None

    def close(self) -> None:
        self.stop()


class _Counting:
    """aiosmtpd's handler: every message kept by its Message-ID."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.message_ids.append(str(message["Message-ID"]))
        return "250 OK: queued"


class MailSink:
    """A local mail server on 127.0.0.1:`port` that can be stopped (refusing
    connections, as a mail server that is down does) and started again."""

    def __init__(self, port: int) -> None:
        _refuse_taken(port, "mail server")
        self.port = port
        self.handler = _Counting()
        self.controller: Controller | None = None
        self.start()

    @property
    def received(self) -> list[str]:
        with self.handler.lock:
            return list(self.handler.message_ids)

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
        self.controller = None

    def close(self) -> None:
        self.stop()
