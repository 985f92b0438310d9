"""The application class: Flask, with the paths it builds remembered.

A page builds dozens of links (the navigation alone, a link per result), and each
url_for walks Werkzeug's rules and converters: about a tenth of a signed-in list page's
time. A path depends only on the endpoint, the values and the request's script root
(the url map and the static files' fingerprint are fixed for the life of the process),
so each one is built once per process and then looked up. Only plain paths are kept:
anything external, with an anchor, a scheme or a method, relative to the current
blueprint, or with a value that is not a string or a whole number is built every time,
as Flask builds it.
"""

from __future__ import annotations

from flask import Flask
from flask.globals import _cv_request

# Enough for the navigation and every list's links many times over; when full, it starts
# again empty (the paths are rebuilt as pages ask for them).
PATHS_KEPT = 20_000
_PLAIN = (str, int, type(None))


class BrokerageApp(Flask):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._paths: dict[tuple, str] = {}

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values,
    ) -> str:
        request_context = _cv_request.get(None)
        if (
            request_context is None
            or _anchor is not None
            or _method is not None
            or _scheme is not None
            or _external
            or endpoint[:1] == "."
            or any(type(value) not in _PLAIN for value in values.values())
        ):
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        key = (endpoint, request_context.request.script_root, *sorted(values.items()))
        path = self._paths.get(key)
        if path is None:
            path = super().url_for(endpoint, **values)
            if len(self._paths) >= PATHS_KEPT:
                self._paths.clear()
            self._paths[key] = path
        return path
