"""The Nu HTML Checker (vnu.jar, from the vnu-jar npm package) as a local HTTP
service for the browser tests: started once per session, it checks the HTML each
page was sent as (its source, before any script ran)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

JAR = (
    Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing() -> str | None:
    """Why the checker cannot run here, or None."""
    if shutil.which("java") is None:
        return "No Java runtime: apt-get install default-jre-headless (make test does)."
    if not JAR.exists():
        return f"No {JAR}: npm ci --no-audit --no-fund (make test does)."
    return None


class HtmlChecker:
    def __init__(self) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                "java",
                "-Xss2m",
                "-XX:TieredStopAtLevel=1",  # quick to start; the checks are small
                "-cp",
                str(JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "JAVA_TOOL_OPTIONS": ""},
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the Nu HTML Checker stopped at start-up")
            try:
                self.errors("<!DOCTYPE html><html lang=en><title>x</title></html>")
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the Nu HTML Checker did not answer in {timeout:.0f} s")

    def errors(self, html: str) -> list[str]:
        """Each error (and fatal error) in `html`, as "line N: message"."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/?out=json&parser=html",
            data=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            messages = json.load(answer)["messages"]
        return [
            f"line {m.get('lastLine', '?')}: {m['message']}"
            for m in messages
            if m["type"] == "error" or m.get("subType") == "fatal"
        ]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
