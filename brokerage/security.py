"""Response headers that keep pages safe, and the deny-by-default access guard."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from brokerage.extensions import limiter
from brokerage.permissions import enforce_declared_access

# Methods that no rate limit counts: every limit is declared for POST alone
# (tests/test_security.py checks each one).
UNLIMITED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@limiter.request_filter
def _no_limit_applies() -> bool:
    """Reading a page is never rate limited: Flask-Limiter is told so before it works out
    which limits a view has, which cost about a tenth of a simple page's time."""
    return request.method in UNLIMITED_METHODS


# No inline script or style anywhere: everything comes from our own static files.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def configure(app: Flask) -> None:
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind a proxy: rate limits need the visitor's address, cookies the real scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.before_request(enforce_declared_access)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        if app.config["HSTS"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages can hold personal data: never keep them in shared caches.
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response
