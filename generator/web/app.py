"""The form's web application: the Flask app with its security hooks and error pages, and the server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..output import pdf as pdf_output
from ..paths import DEFAULT_INDATA, DEFAULT_MALLAR, DEFAULT_TROSKELVARDEN, DEFAULT_UTDATA
from . import access
from . import form as form_schema
from .request_body import MAX_BODY_BYTES
from .routes import Settings, pages
from .store import Store

_MESSAGES = {
    400: "Felaktig begäran.",
    403: "Begäran kommer inte från formuläret på den här datorn och avvisas.",
    404: "Sidan eller filen finns inte.",
    405: "Metoden är inte tillåten här.",
    413: f"Begäran är för stor; högst {MAX_BODY_BYTES // (1024 * 1024)} MB tas emot.",
    415: "Begäran ska vara JSON (Content-Type: application/json).",
}


def http_error(error: HTTPException) -> tuple[Any, int]:
    """An HTTP error in Swedish: JSON for the API, a page otherwise."""
    code = error.code or 500
    own = error.description and error.description != type(error).description  # ours is Swedish; Werkzeug's is not
    message = error.description if own else _MESSAGES.get(code, "Begäran kunde inte utföras.")
    if request.path.startswith("/api/"):
        return jsonify({"meddelande": message, "problem": []}), code
    return render_template("fel.html", message=message, code=code), code


def unexpected(error: Exception) -> tuple[Any, int]:
    """Any other exception: logged in the terminal, answered in Swedish without the exception's name."""
    from flask import current_app

    current_app.logger.exception("oväntat fel i formuläret")
    message = "Ett oväntat fel inträffade i formuläret; det du har skrivit finns kvar. Felet står i terminalen där formuläret startades."
    if request.path.startswith("/api/"):
        return jsonify({"meddelande": message, "problem": []}), 500
    return render_template("fel.html", message=message, code=500), 500


def create_app(indata: Path = DEFAULT_INDATA, utdata: Path = DEFAULT_UTDATA, mallar: Path = DEFAULT_MALLAR,
               troskelvarden: Path = DEFAULT_TROSKELVARDEN, pdf: bool | None = None, token: str | None = None) -> Flask:
    """The application for the agreements in ``indata``; ``pdf`` None: make PDFs when LibreOffice is installed.

    ``token`` (None: a new random one) is the key of this start: only a browser that opened the address with it gets in.
    """
    app = Flask(__name__)
    app.config["AVTAL_TOKEN"] = token or access.new_token()
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    make_pdf = pdf_output.available() if pdf is None else pdf
    app.extensions["avtal"] = Settings(Store(indata, troskelvarden), indata, utdata, mallar, troskelvarden, make_pdf)
    app.jinja_env.globals.update(fits=form_schema.fits, unknown_keys=form_schema.unknown_keys, number_text=form_schema.number_text,
                                 tojson_pretty=form_schema.json_text)
    app.before_request(access.check_request)
    app.after_request(access.secure_headers)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)
    app.register_blueprint(pages)
    return app


def start_address(app: Flask, port: int) -> str:
    """The address that lets the user in: the form's start page with this start's token, as the command prints and opens it."""
    return f"http://127.0.0.1:{port}/?{access.TOKEN_PARAMETER}={app.config['AVTAL_TOKEN']}"


def serve(app: Flask, port: int, ready: Callable[[str], None] | None = None) -> None:
    """Serve ``app`` on 127.0.0.1 only (never another interface) until interrupted; OSError when the port is taken."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Requests are not logged: the terminal is for the user's messages."""

    # The socket is bound here, so a taken port is an OSError for the caller to explain, not Werkzeug's exit.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        server = make_server("127.0.0.1", listener.getsockname()[1], app, threaded=True, request_handler=QuietHandler, fd=listener.fileno())
        if ready:
            ready(start_address(app, server.port))
        try:
            server.serve_forever()
        finally:
            server.server_close()
    finally:
        listener.close()
