"""Absolute links for emails and other messages, built from the configured BASE_URL.

Never from the request: its Host header is whatever the sender chose, and a link
that follows it would send a genuine email pointing at someone else's site.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app


def site_url(endpoint: str, **values) -> str:
    """url_for(endpoint, **values) as a full address on BASE_URL, in or out of a request."""
    if endpoint.startswith("."):
        raise ValueError(f"site_url needs a full endpoint name, not {endpoint!r}")
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    anchor = values.pop("_anchor", None)
    current_app.inject_url_defaults(endpoint, values)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor:
        url += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")
    return url
