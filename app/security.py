"""Security: CSRF on forms, headers and a strict Content-Security-Policy, caching, per-session limits."""

from __future__ import annotations

import math
import time

from flask import current_app, has_request_context, jsonify, make_response, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter, RateLimitExceeded
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, TooManyRequests

from .parsing import FieldError

csrf = CSRFProtect()

# No inline script or style anywhere: htmx is told not to add its indicator styles.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The only responses that are the same for every visitor: static files, and the public description
# of the datasets and of the API. Everything else is private to a session and never stored.
PUBLIC_ENDPOINTS = frozenset({"static", "api.datasets", "api.dataset", "api.openapi"})
PRIVATE = "private, no-store"


def is_public() -> bool:
    return has_request_context() and request.endpoint in PUBLIC_ENDPOINTS


def limit_key() -> str:
    """Limits count per browser session; requests without one count per address."""
    from .ownership import OWNER_KEY
    from flask import session

    return session.get(OWNER_KEY) or request.remote_addr or "unknown"


# No X-RateLimit-*/Retry-After on every response: the library would put a Retry-After of the whole
# window on a 202. Only a 429 says when to come back (too_many below).
limiter = Limiter(key_func=limit_key, headers_enabled=False)


def submit_limit() -> str:
    return current_app.config["SUBMIT_RATE_LIMIT"]


def remote_address_key() -> str:
    from .ownership import address_key

    return address_key(request.remote_addr)


def address_submit_limit() -> str:
    return current_app.config["SUBMIT_RATE_LIMIT_PER_ADDRESS"]


def limit_submissions(view):
    """Submissions are rate-limited per session and, since cookies are free, per address."""
    return limiter.limit(address_submit_limit, key_func=remote_address_key)(limiter.limit(submit_limit)(view))


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))

    def should_set_cookie(self, app, session) -> bool:
        # a response caches may keep must not carry this visitor's session cookie
        if is_public() and not session.modified:
            return False
        return super().should_set_cookie(app, session)


class QueueFull(TooManyRequests):
    """A cap on waiting jobs is reached (this session's, this address's, or the server's).

    A TooManyRequests, so that the 429 handler (which looks handlers up by class) answers it."""

    field = "queue"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str, field: str | None = None):
    """JSON for the API, a fragment for htmx, a page otherwise; never a stack trace."""
    if wants_json():
        return jsonify({"error": message, "field": field}), status
    if request.headers.get("HX-Request") == "true":
        return render_template("_announce.html", message=message), status
    return render_template("error.html", message=message), status


def retry_after(exc) -> int:
    """Whole seconds until a retry can succeed: the end of the breached rate-limit window."""
    if isinstance(exc, QueueFull):
        return exc.retry_after
    if isinstance(exc, RateLimitExceeded):
        current = limiter.current_limit
        try:
            if current is not None and current.breached:
                return max(1, math.ceil(current.window.reset_time - time.time()))
        except Exception:  # the limit store is away: the whole window is a safe answer
            pass
        return max(1, exc.limit.limit.get_expiry())
    return 1


def init_app(app) -> None:
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    # Redis away must not turn every submission into an error: count in memory until it is back
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)

    @app.after_request
    def security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if not is_public():
            response.headers["Cache-Control"] = PRIVATE
        elif request.endpoint != "static":
            # stored but checked again on every use (a 304 when unchanged): a new import shows at once;
            # static files have Flask's own no-cache and validators
            response.cache_control.no_cache = True
            if response.status_code == 200:
                response.add_etag()
                response.make_conditional(request)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, "the form has expired or came from another site: reload the page and "
                                   "try again", "csrf_token")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        field = getattr(exc, "field", "body" if exc.code in (400, 415) and wants_json() else None)
        response = make_response(*error_response(exc.code, exc.description or exc.name, field))
        # the exception's own headers (Allow of a 405, WWW-Authenticate, ...) belong to the answer;
        # its Content-Type is for werkzeug's HTML page, which this is not
        for name, value in exc.get_headers():
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    @app.errorhandler(FieldError)
    def field_error(exc):
        return error_response(400, str(exc), exc.field)

    @app.errorhandler(429)
    def too_many(exc):
        wait = retry_after(exc)
        if isinstance(exc, QueueFull):
            response, status = error_response(429, exc.description, "queue")
        else:
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
        return error_response(404, "not found", None)
