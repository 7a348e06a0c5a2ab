"""Security: CSRF on forms, headers and a strict Content-Security-Policy, per-session limits."""

from __future__ import annotations

from flask import current_app, has_request_context, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

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


def limit_key() -> str:
    """Limits count per browser session; requests without one count per address."""
    from .ownership import OWNER_KEY
    from flask import session

    return session.get(OWNER_KEY) or request.remote_addr or "unknown"


limiter = Limiter(key_func=limit_key, headers_enabled=True)


def submit_limit() -> str:
    return current_app.config["SUBMIT_RATE_LIMIT"]


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))


class QueueFull(HTTPException):
    code = 429
    field = "queue"

    def __init__(self, limit: int):
        super().__init__(f"you have {limit} analyses waiting or running; wait for some to finish "
                         "or delete them, then submit again")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str, field: str | None = None):
    """JSON for the API, a fragment for htmx, a page otherwise; never a stack trace."""
    if wants_json():
        return jsonify({"error": message, "field": field}), status
    if request.headers.get("HX-Request") == "true":
        return render_template("_announce.html", message=message), status
    return render_template("error.html", message=message), status


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
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, "the form has expired or came from another site: reload the page and "
                                   "try again", "csrf_token")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        field = getattr(exc, "field", "body" if exc.code in (400, 415) and wants_json() else None)
        return error_response(exc.code, exc.description or exc.name, field)

    @app.errorhandler(FieldError)
    def field_error(exc):
        return error_response(400, str(exc), exc.field)

    @app.errorhandler(429)
    def too_many(exc):
        if isinstance(exc, QueueFull):
            return error_response(429, exc.description, "queue")
        return error_response(429, f"too many requests ({exc.description}); wait a moment and try again",
                              "rate")

    @app.errorhandler(413)
    def too_large(exc):
        limit = app.config["MAX_CONTENT_LENGTH"]
        return error_response(413, f"the request is larger than {limit // 1024} KiB", "body")

    @app.errorhandler(404)
    def not_found(exc):
        return error_response(404, "not found", None)
