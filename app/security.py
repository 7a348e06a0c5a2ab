"""Security: CSRF on forms, headers and a strict Content-Security-Policy, caching, the session cookie, rate limits."""

from __future__ import annotations

import math
import time

from flask import current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter, RateLimitExceeded
from flask_wtf.csrf import CSRFProtect

from .assets import IMMUTABLE, is_fingerprinted
from .ownership import address_key, current_owner, require_signed_in_user

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
    """Limits count per owner (a browser session, or a signed-in user); requests without one per address."""
    return current_owner(create=False) or request.remote_addr or "unknown"


# No X-RateLimit-*/Retry-After on every response: the library would put a Retry-After of the whole
# window on a 202. Only a 429 says when to come back (app/errors.py).
limiter = Limiter(key_func=limit_key, headers_enabled=False)


def submit_limit() -> str:
    return current_app.config["SUBMIT_RATE_LIMIT"]


def remote_address_key() -> str:
    return address_key(request.remote_addr)


def address_submit_limit() -> str:
    return current_app.config["SUBMIT_RATE_LIMIT_PER_ADDRESS"]


# The buttons of the pickers (app/forms.py picker_edit): their posts to the submit's URL show the form
# again, changed, and queue nothing
PICKER_BUTTONS = ("find", "add_level", "remove", "preset")  # forms.picker_edit: they change the form only


def edits_the_form() -> bool:
    return request.method == "POST" and any(key in request.form for key in PICKER_BUTTONS)


def queued_a_job(response) -> bool:
    """A submission's answer below 400 (202, a 303 to the new analysis, the htmx fragment) means a
    job was queued; a refusal (422, 429, ...) queued nothing."""
    return response.status_code < 400


def limit_submissions(view):
    """Submissions are rate-limited per session and, since cookies are free, per address. Only a queued
    job counts: a refused query does not use up the allowance, and a picker's post neither counts nor
    is refused. The limits are checked before the view runs and counted after it, so parallel
    submissions may pass together, as many as the queue caps (MAX_QUEUED_PER_SESSION) let through."""
    limits = {"deduct_when": queued_a_job, "exempt_when": edits_the_form}
    by_address = limiter.limit(address_submit_limit, key_func=remote_address_key, **limits)
    return by_address(limiter.limit(submit_limit, **limits)(view))


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))

    def should_set_cookie(self, app, session) -> bool:
        # a response caches may keep must not carry this visitor's session cookie
        if is_public() and not session.modified:
            return False
        return super().should_set_cookie(app, session)


def rate_limit_retry_after(exc) -> int:
    """Whole seconds until a retry can succeed: the end of the breached rate-limit window."""
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
    app.before_request(require_signed_in_user)  # first: a request that names no user gets no further
    app.session_interface = SessionInterface()
    csrf.init_app(app)
    limiter.init_app(app)  # its settings (RATELIMIT_*) are in app/config.py

    @app.after_request
    def security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if not is_public():
            response.headers["Cache-Control"] = PRIVATE
        elif request.endpoint == "static":
            # under its fingerprint a file never changes (app/assets.py): kept a year, never revalidated;
            # without it (an old or hand-written URL) Flask's own no-cache and validators stay
            if response.status_code in (200, 304) and is_fingerprinted():
                response.headers["Cache-Control"] = IMMUTABLE
        else:
            # stored but checked again on every use (a 304 when unchanged): a new import shows at once
            response.cache_control.no_cache = True
            if response.status_code == 200:
                response.add_etag()
                response.make_conditional(request)
        return response
