"""One error path: every refusal, from any blueprint, is JSON for the API, a fragment for htmx, a page otherwise.

Views never render an error themselves: they raise (an EngineError or FieldError naming the field, or
`fail`/`abort` with a status) and the handlers here answer. A stack trace never reaches the client.
"""

from __future__ import annotations

from typing import NoReturn

from flask import jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound, TooManyRequests, default_exceptions

from .engine import EngineError
from .web import is_htmx
from .wording import page_message, sentence


class QueueFull(TooManyRequests):
    """A cap on waiting jobs is reached (this session's, this address's, or the server's).

    A TooManyRequests, so that the 429 handler (which looks handlers up by class) answers it."""

    field = "queue"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)


def wants_json() -> bool:
    """The API always speaks JSON; any other URL does when the client prefers JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    accept = request.accept_mimetypes
    return accept.quality("application/json") > accept.quality("text/html")


def error_response(status: int, message: str, field: str | None = None, words: str | None = None):
    """JSON for the API (the message and its field, as clients read them), a fragment for htmx, a page
    otherwise; those two say `words`, or the message as a sentence (app/wording.py)."""
    if wants_json():
        return jsonify({"error": message, "field": field}), status
    words = words or sentence(message)
    if is_htmx():
        return render_template("_announce.html", message=words), status
    return render_template("error.html", message=words), status


def fail(status: int, message: str, field: str | None = None) -> NoReturn:
    """Stop the view with an HTTP error that names the field at fault."""
    exc = default_exceptions[status](description=message)
    exc.field = field
    raise exc


def init_app(app) -> None:
    from .security import rate_limit_retry_after

    @app.errorhandler(EngineError)
    def engine_error(exc: EngineError):
        # the API's body was well-formed but cannot be answered (422); a form or link is simply bad (400)
        if wants_json():
            return error_response(422, exc.message, exc.field)
        return error_response(400, str(exc), exc.field, page_message(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, "the form has expired or came from another site: reload the page and "
                                   "try again", "csrf_token", page_message(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        field = getattr(exc, "field", "body" if exc.code in (400, 415) and wants_json() else None)
        response = make_response(*error_response(exc.code, exc.description or exc.name, field, page_message(exc)))
        # the exception's own headers (Allow of a 405, WWW-Authenticate, ...) belong to the answer;
        # its Content-Type is for werkzeug's HTML page, which this is not
        for name, value in exc.get_headers():
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    @app.errorhandler(429)
    def too_many(exc):
        if isinstance(exc, QueueFull):
            wait = exc.retry_after
            response, status = error_response(429, exc.description, "queue")
        else:
            wait = rate_limit_retry_after(exc)
            response, status = error_response(
                429, f"too many requests ({exc.description}); try again in {wait} s", "rate")
        response = make_response(response, status)
        response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(413)
    def too_large(exc):
        limit = app.config["MAX_CONTENT_LENGTH"]
        return error_response(413, f"the request is larger than {limit // 1024} KiB", "body")

    @app.errorhandler(404)
    def not_found(exc):
        # a view that says what was not found is heard; werkzeug's own long text is not
        message = "not found" if exc.description == NotFound.description else exc.description
        return error_response(404, message, getattr(exc, "field", None), page_message(exc))
