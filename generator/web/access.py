"""Who may use the form: this computer only, the user who started it (a token per start), and the form's own pages."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode

from flask import Response, abort, current_app, redirect, request
from werkzeug.wrappers import Response as BaseResponse

LOCAL_HOSTS = ("127.0.0.1", "localhost")
TOKEN_PARAMETER = "token"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-src 'self'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


def new_token() -> str:
    """A random token for one start of the form (256 bits), as Jupyter makes one."""
    return secrets.token_urlsafe(32)


def cookie_name() -> str:
    """The cookie of the form on this port: cookies do not tell ports apart, so two forms on one computer need two names."""
    port = request.host.rsplit(":", 1)[1] if ":" in request.host else "80"
    return f"avtal-formular-{port}"


def _token_matches(given: str | None) -> bool:
    wanted: str = current_app.config["AVTAL_TOKEN"]
    return isinstance(given, str) and hmac.compare_digest(given.encode(), wanted.encode())


def check_request() -> BaseResponse | None:
    """Refuse what does not come from the form's user on this computer (Flask ``before_request``).

    The Host must be this computer (against DNS rebinding). The start address carries the token once; it is
    exchanged for an HttpOnly, SameSite=Strict cookie and the browser sent on without it. Every other request
    needs the cookie, and one that changes anything must carry the form's own Origin (a browser always sends
    it with a POST; a script of another local user does not get past the cookie, nor a page elsewhere past Origin).
    """
    if request.host.rsplit(":", 1)[0] not in LOCAL_HOSTS:
        abort(403)
    given = request.args.get(TOKEN_PARAMETER)
    if given is not None and request.method == "GET":
        if not _token_matches(given):
            abort(403, "Adressen har fel nyckel (token). Öppna formuläret med adressen som avtal redigera skrev ut i terminalen.")
        rest = {k: v for k, v in request.args.items() if k != TOKEN_PARAMETER}
        response = redirect(request.path + ("?" + urlencode(rest) if rest else ""), 303)
        response.set_cookie(cookie_name(), given, httponly=True, samesite="Strict", path="/")
        return response
    if not _token_matches(request.cookies.get(cookie_name())):
        abort(403, "Formuläret tar bara emot den som startade det. Öppna adressen som avtal redigera skrev ut i terminalen "
                   "(den slutar med ?token=…).")
    if request.method not in ("GET", "HEAD"):
        origin = request.headers.get("Origin")
        if origin is None or origin.rstrip("/") != request.host_url.rstrip("/"):
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
