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

    always = (
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    )
    if app.config["HSTS"]:
        always += (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)
    # Pages can hold personal data: never keep them in shared caches.
    pages = (*always, ("Cache-Control", "no-store"))
    # (lower-case name, name, value): header names compare without case.
    for_any = [(name.lower(), name, value) for name, value in always]
    for_pages = [(name.lower(), name, value) for name, value in pages]

    @app.after_request
    def security_headers(response: Response) -> Response:
        # Each header is added unless the view set its own. The names a view set are read
        # once: werkzeug's setdefault searched the headers (raising and catching a
        # KeyError when absent) for each of them, about 2% of a ticket buyer's CPU.
        headers = response.headers
        present = {name.lower() for name, _value in headers}
        for key, name, value in for_pages if response.mimetype == "text/html" else for_any:
            if key not in present:
                headers.add(name, value)
        return response
