"""What a browser downloads: responses compressed (brotli or gzip), static files under fingerprinted URLs.

`url_for('static', filename='app.css')` gives `/static/app.css?v=<12 hex digits of the content's SHA-256>`,
and such a request may be kept a year without asking again (app/security.py sets the header): a changed
file is a new URL. An unversioned or outdated `v` still gets the current file, revalidated on every use.

BREACH (guessing a secret in a compressed page from the sizes of many responses that also reflect the
attacker's text) is why compression and secrets are weighed here. Pages are compressed, secrets and all:
- the CSRF token in a page is flask-wtf's raw session token signed with a timestamp (itsdangerous), so
  its signature changes every second and cannot be learnt from thousands of responses; the payload part
  that stays the same is useless without a signature made with the server's key;
- the session cookie travels only in headers, which HTTP compression does not touch;
- the cookie is SameSite=Lax: a cross-site page cannot make the many cookie-carrying requests the attack
  needs (no images, scripts or fetches, only top-level navigations), and without the cookie a page holds
  a fresh session's token, not the victim's;
- analysis and scenario ids in a page are not capabilities: another session's ids give 404.
Leaving every page with a token uncompressed would send the 49 x 200 main page as 86 KB instead of 11.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app, request
from flask_compress import Compress
from werkzeug.security import safe_join

VERSION_ARG = "v"
VERSION_DIGITS = 12
IMMUTABLE = "public, max-age=31536000, immutable"  # a year: a new version is a new URL


class Compression(Compress):
    """Flask-Compress, minus the responses it must leave alone."""

    def after_request(self, response):
        if response.status_code == 206 or request.headers.get("Upgrade", "").lower() == "websocket":
            # a byte range is a slice of the file as stored, and compressing it would make a slice of
            # something else; the websocket compresses its own messages (permessage-deflate)
            return response
        body = response.response
        response = super().after_request(response)
        if response.response is not body and hasattr(body, "close"):
            # a stream (a static file) compressed on the way is a new iterable: the server closes that
            # one, and the file under it must be closed with it
            response.call_on_close(body.close)
        return response


def version(filename: str) -> str | None:
    """The file's fingerprint, read at first use and kept for the process (None: no such file).

    With the debugger on, a file edited while the server runs gets a new fingerprint at once."""
    folder = current_app.static_folder
    path = safe_join(folder, filename) if folder and filename else None
    if path is None:
        return None
    path = Path(path)
    versions: dict = current_app.extensions["asset_versions"]
    key = filename
    if current_app.debug:
        try:
            key = (filename, path.stat().st_mtime_ns)
        except OSError:
            return None
    if key not in versions:
        try:
            versions[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:VERSION_DIGITS]
        except OSError:  # not a file: the URL stays as it is and the request finds its 404
            versions[key] = None
    return versions[key]


def is_fingerprinted() -> bool:
    """Is this request for a static file under its current fingerprint (so it may be kept a year)?"""
    if request.endpoint != "static" or not request.view_args:
        return False
    asked = request.args.get(VERSION_ARG)
    return asked is not None and asked == version(request.view_args.get("filename", ""))


def add_version(endpoint: str, values: dict) -> None:
    """url_for('static', ...) carries the file's fingerprint, unless the caller gave one."""
    if endpoint == "static" and VERSION_ARG not in values:
        fingerprint = version(values.get("filename", ""))
        if fingerprint is not None:
            values[VERSION_ARG] = fingerprint


def init_app(app) -> None:
    """Before security.init_app: after_request hooks run last-registered first, and compression must see
    the finished response (its ETag, its headers) to compress it and tag the ETag with the encoding."""
    app.extensions["asset_versions"] = {}  # filled at first use: no file is read while starting
    app.url_defaults(add_version)
    # one per app: Flask-Compress keeps an app's settings on the object
    app.extensions["compress"] = Compression(app)
