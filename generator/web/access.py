"""Who may use the form: requests for this computer only, changes from the form's own pages; the headers of every answer."""

from __future__ import annotations

from flask import Response, abort, request

LOCAL_HOSTS = ("127.0.0.1", "localhost")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-src 'self'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


def check_request() -> Response | None:
    """Refuse what does not come from the form's user on this computer (Flask ``before_request``).

    The Host must be this computer (against DNS rebinding), and a request that changes anything must come
    from the form's own origin (against other web pages posting to the form).
    """
    if request.host.rsplit(":", 1)[0] not in LOCAL_HOSTS:
        abort(403)
    origin = request.headers.get("Origin")
    if request.method != "GET" and origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        abort(403)
    return None


def secure_headers(response: Response) -> Response:
    """The headers every answer carries (Flask ``after_request``)."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Never a referrer to another site. Not "no-referrer": with it a browser sends "Origin: null" with a
    # plain form post (the delete confirmation), which check_request must refuse.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response
