"""A small cookie-keeping HTTP and websocket client, for benchmarks and tests against a live server."""

from __future__ import annotations

import functools
import http.client
import http.cookiejar
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request

from simple_websocket import Client


class _SourceHandler(urllib.request.HTTPHandler):
    """Plain HTTP from a chosen local address."""

    def __init__(self, source: str):
        super().__init__()
        self.source = source

    def http_open(self, req):
        return self.do_open(functools.partial(http.client.HTTPConnection, source_address=(self.source, 0)), req)


class WebSocket(Client):
    """simple_websocket's client, sending the port in the Host header as browsers do (RFC 6455): the
    server compares the Origin header with the scheme and host the request names."""

    def handshake(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port != (443 if isinstance(self.sock, ssl.SSLSocket) else 80):
            host = f"{host}:{self.port}"
        self.host = host
        try:
            super().handshake()
        except BaseException:  # refused (e.g. 403): the library would leave the connection open
            self.sock.close()
            raise

    def _thread(self):
        # the handshake's last read may have brought the first messages (or the close) too; the
        # library's reader would leave them unread until more data came
        if not self._handle_events():
            self.connected = False
            self.event.set()
            self.sock.close()
            return
        super()._thread()


class Session:
    """One browser session: its own cookie jar, so its own jobs."""

    def __init__(self, base: str, timeout: float = 10.0, source: str | None = None):
        """source: the local address to send from (another 127.x.y.z looks like another client)."""
        self.base, self.timeout = base, timeout
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar)]
        if source is not None:
            handlers.append(_SourceHandler(source))
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def get(self, path: str):
        return self.request("GET", path)

    def post_json(self, path: str, data) -> tuple[int, dict]:
        status, text = self.request("POST", path, json.dumps(data).encode(), {"Content-Type": "application/json"})
        return status, json.loads(text)

    def post_form(self, path: str, fields: list[tuple[str, str]], htmx: bool = False):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if htmx:
            headers["HX-Request"] = "true"
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), headers)

    def websocket(self, origin: str | None = None) -> WebSocket:
        """The page's websocket with the page's cookie and Origin (the server refuses other origins)."""
        base = urllib.parse.urlsplit(self.base)
        headers = {"Origin": origin or f"{base.scheme}://{base.netloc}"}
        if self.jar:
            headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        return WebSocket.connect(self.base.replace("http", "ws", 1) + "/ws", headers=headers)
