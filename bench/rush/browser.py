"""A buyer's browser: one keep-alive HTTP/1.1 connection with cookies, on asyncio
streams (the standard library only), and the step each request belongs to."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


def step_of(method: str, path: str) -> str:
    if path == "/ball":
        return "ball page" if method == "GET" else "hold"
    if path.startswith("/ball/checkout/stand-in/"):
        return "checkout page" if method == "GET" else "pay"
    if path.endswith("/paid"):
        return "paid page"  # where the Pay button's 303 leads
    if path.startswith("/ball/orders/"):
        return "order page"
    return path


# --- A buyer's browser -------------------------------------------------------------------

TIMEOUT = 120  # seconds for one request, from sending it to the last byte of the answer
# How a connection the server has closed while it was idle shows on the next request.
GONE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


@dataclass
class Response:
    url: str
    status_code: int
    headers: dict[str, str]  # lower-case names (the last of any repeated)
    text: str


class Browser:
    """What a buyer's browser does here: one keep-alive HTTP/1.1 connection (opened
    again when the server closes it), the cookies the server sets (name=value, sent
    back: the session cookie carries the CSRF token), forms posted urlencoded, and no
    redirects followed by itself."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # sent with every request (X-Forwarded-For, say)
        self.origin: tuple[str, int] | None = None
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.closing: list[asyncio.StreamWriter] = []

    async def get(self, url: str) -> Response:
        return await self.request("GET", url)

    async def post(self, url: str, data: dict[str, str]) -> Response:
        return await self.request("POST", url, urlencode(data).encode())

    async def request(self, method: str, url: str, form: bytes | None = None) -> Response:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
        head += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            head.append("Content-Type: application/x-www-form-urlencoded")
            head.append(f"Content-Length: {len(form)}")
        message = "\r\n".join([*head, "", ""]).encode("latin-1") + (form or b"")
        try:
            async with asyncio.timeout(TIMEOUT):
                status, headers, body = await self._exchange(
                    (parts.hostname or "", parts.port or 80), message
                )
        except BaseException:
            self._forget()  # in an unknown state
            raise
        return Response(url, status, headers, body.decode("utf-8", "replace"))

    async def _exchange(
        self, origin: tuple[str, int], message: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        # A connection is kept only after a whole answer, so an open one has been used.
        reused = self.writer is not None and self.origin == origin
        try:
            first = await self._send(origin, message)
        except GONE:
            if not reused:
                raise
            first = b""
        if not first and reused:  # the server closed it in between: once more, afresh
            self._forget()
            first = await self._send(origin, message)
        if not first:
            raise ConnectionError("the server closed the connection without answering")
        return await self._answer(first)

    async def _send(self, origin: tuple[str, int], message: bytes) -> bytes:
        """Sends the request; returns the answer's first byte (b"" if the server closed
        the connection instead)."""
        if self.writer is None or self.origin != origin or self.reader.at_eof():
            self._forget()
            self.reader, self.writer = await asyncio.open_connection(*origin)
            self.origin = origin
        self.writer.write(message)
        await self.writer.drain()
        return await self.reader.read(1)

    async def _answer(self, first: bytes) -> tuple[int, dict[str, str], bytes]:
        reader = self.reader
        lines = (first + await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        version, status, *_ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:-2]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                self._keep(value)
            else:
                headers[name] = value
        keep_alive = version == "HTTP/1.1"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._chunks()
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif int(status) in (204, 304):
            body = b""
        else:  # to the end of the connection
            body, keep_alive = await reader.read(), False
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        if not keep_alive or "close" in tokens:
            self._forget()
        return int(status), headers, body

    async def _chunks(self) -> bytes:
        body = bytearray()
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";", 1)[0], 16):
            body += (await self.reader.readexactly(size + 2))[:-2]
        while await self.reader.readuntil(b"\r\n") != b"\r\n":  # any trailers
            pass
        return bytes(body)

    def _keep(self, cookie: str) -> None:
        pair, *attributes = cookie.split(";")
        name, _, value = pair.partition("=")
        for attribute in attributes:
            key, _, seconds = attribute.strip().partition("=")
            if key.lower() == "max-age" and seconds.lstrip("-").isdigit() and int(seconds) <= 0:
                self.cookies.pop(name.strip(), None)  # deleted
                return
        self.cookies[name.strip()] = value.strip()

    def _forget(self) -> None:
        """Drops the connection (closed when the loop next comes round)."""
        if self.writer is not None:
            self.writer.close()
            self.closing.append(self.writer)
        self.reader = self.writer = None

    async def close(self) -> None:
        self._forget()
        for writer in self.closing:
            with contextlib.suppress(OSError):
                await writer.wait_closed()


# --- A buyer -----------------------------------------------------------------------------
