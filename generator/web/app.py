"""The form's web application: Flask routes for listing, editing, checking, saving and generating agreements."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, jsonify, render_template, request, send_file, url_for
from werkzeug.exceptions import HTTPException

from ..agreement.load import load_json
from ..errors import AvtalError, Problem
from ..legal.rules import KIND_NAMES
from ..output import pdf as pdf_output
from ..output import pipeline
from ..output.manifest import Manifest, file_hash
from ..paths import DEFAULT_INDATA, DEFAULT_MALLAR, DEFAULT_TROSKELVARDEN, DEFAULT_UTDATA, TEMPLATE_FILES
from . import form as form_schema
from . import trash
from .store import SCHEMA_REF, ConflictError, Removed, Store

MAX_BODY_BYTES = 2 * 1024 * 1024
LOCAL_HOSTS = ("127.0.0.1", "localhost")
DOCUMENTS = {*TEMPLATE_FILES, *(name.removesuffix(".docx") + ".pdf" for name in TEMPLATE_FILES)}
LABELS = {"avtal": "Avtalet", "pub-bilaga": "Bilaga: personuppgiftsbiträdesavtal", "kostnadsfordelning": "Bilaga: kostnadsfördelning"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-src 'self'; object-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'")
_MESSAGES = {
    400: "Felaktig begäran.",
    403: "Begäran kommer inte från formuläret på den här datorn och avvisas.",
    404: "Sidan eller filen finns inte.",
    405: "Metoden är inte tillåten här.",
    413: f"Begäran är för stor; högst {MAX_BODY_BYTES // (1024 * 1024)} MB tas emot.",
    415: "Begäran ska vara JSON (Content-Type: application/json).",
}


def _problems(problems: list[Problem]) -> list[dict[str, str]]:
    return [{"fil": p.file, "plats": p.place, "meddelande": p.message, "allvar": p.severity} for p in problems]


def _reject(_value: str) -> Any:
    raise ValueError("NaN och Infinity är inga tal i JSON")


def _body() -> dict[str, Any]:
    """The request's JSON object; 415 for another content type, 400 for JSON that does not parse."""
    if request.mimetype != "application/json":
        abort(415)
    try:
        body = json.loads(request.get_data(cache=False, as_text=False), parse_constant=_reject)
    except (ValueError, UnicodeDecodeError):
        abort(400, "Begäran innehåller ogiltig JSON.")
    if not isinstance(body, dict):
        abort(400, "Begäran ska vara ett JSON-objekt.")
    return body


def recorded_ids(utdata: Path, path: Path) -> list[str]:
    """The ids the records of ``utdata`` hold for the input file ``path``, however the path was written (relative,
    absolute, through a link): both sides go through the pipeline's own identity of an input file."""
    try:
        return Manifest.load(utdata).ids_of(pipeline.normalised(path))
    except AvtalError:
        return []


def create_app(indata: Path = DEFAULT_INDATA, utdata: Path = DEFAULT_UTDATA, mallar: Path = DEFAULT_MALLAR,
               troskelvarden: Path = DEFAULT_TROSKELVARDEN, pdf: bool | None = None) -> Flask:
    """The application for the agreements in ``indata``; ``pdf`` None: make PDFs when LibreOffice is installed."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    store = Store(indata, troskelvarden)
    make_pdf = pdf_output.available() if pdf is None else pdf
    app.jinja_env.globals.update(fits=form_schema.fits, unknown_keys=form_schema.unknown_keys, number_text=form_schema.number_text,
                                 choice_label=form_schema.choice_label, tojson_pretty=lambda v: json.dumps(v, ensure_ascii=False, indent=2))

    @app.before_request
    def only_from_this_computer() -> None:
        # Defence against DNS rebinding and against other web pages posting to the form: the Host must be
        # this computer, and a request that changes anything must come from the form's own origin.
        if request.host.rsplit(":", 1)[0] not in LOCAL_HOSTS:
            abort(403)
        origin = request.headers.get("Origin")
        if request.method != "GET" and origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
            abort(403)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Never a referrer to another site. Not "no-referrer": with it a browser sends "Origin: null" with a
        # plain form post (the delete confirmation), which only_from_this_computer must refuse.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Any, int]:
        code = error.code or 500
        own = error.description and error.description != type(error).description  # ours is Swedish; Werkzeug's is not
        message = error.description if own else _MESSAGES.get(code, "Begäran kunde inte utföras.")
        if request.path.startswith("/api/"):
            return jsonify({"meddelande": message, "problem": []}), code
        return render_template("fel.html", message=message, code=code), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Any, int]:
        app.logger.exception("oväntat fel i formuläret")
        message = "Ett oväntat fel inträffade i formuläret; det du har skrivit finns kvar. Felet står i terminalen där formuläret startades."
        if request.path.startswith("/api/"):
            return jsonify({"meddelande": message, "problem": []}), 500
        return render_template("fel.html", message=message, code=500), 500

    def require_safe_id(agreement: str) -> None:
        if not store.is_safe(agreement):
            abort(400, "Ogiltigt avtals-id: bara små bokstäver a–z, siffror och bindestreck.")

    def opened_file(body: dict[str, Any]) -> str | None:
        """The id of the file the form was opened from (None for a new agreement); 400 for an unsafe one."""
        agreement = body.get("fil")
        if agreement is not None:
            require_safe_id(agreement)
        return agreement

    def page(data: dict[str, Any], agreement: str | None, version: str | None) -> str:
        head = data.get("avtal")
        kind = head.get("typ") if isinstance(head, dict) else None
        meta = {"fil": agreement, "version": version, "schema": data.get("$schema", SCHEMA_REF), "pdf": make_pdf, "typer": KIND_NAMES}
        return render_template("redigera.html", root=form_schema.form(), data=data, meta=meta, agreement=agreement,
                               typ=kind if isinstance(kind, str) and kind in dict(form_schema.kinds()) else "", kind_names=KIND_NAMES,
                               problems=_problems(store.check(data, agreement)))

    def listing(removed: Removed | None = None, generated: Path | None = None) -> str:
        return render_template("lista.html", agreements=store.summaries(), kinds=form_schema.kinds(), indata=str(indata),
                               choice_label=form_schema.choice_label, removed=removed, generated=generated, utdata=str(utdata))

    @app.get("/")
    def index() -> str:
        return listing()

    @app.get("/nytt")
    def new() -> str:
        kind = request.args.get("typ", "")
        if kind not in [value for value, _ in form_schema.kinds()]:
            abort(400, "Okänd avtalstyp; välj en av typerna i listan.")
        # Required lists start with as many empty rows as they need (two parties): the template renders them.
        return page({"$schema": SCHEMA_REF, "avtal": {"typ": kind}}, None, None)

    @app.get("/avtal/<agreement>")
    def edit(agreement: str) -> str:
        require_safe_id(agreement)
        if not store.path(agreement).exists():
            abort(404, f"Det finns inget avtal {agreement} i {indata}.")
        try:
            data, version = store.open(agreement)
        except AvtalError as e:
            return render_template("fel.html", code=422, message="Filen kan inte öppnas i formuläret. Rätta den i en textredigerare först:",
                                   problems=e.problems), 422  # type: ignore[return-value]
        return page(data, agreement, version)

    def generated_folder(path: Path) -> Path | None:
        """Where the documents made from the file ``path`` are, if any: by the manifest, else by the file's name."""
        keys = recorded_ids(utdata, path)
        folders = [utdata / key for key in keys] + [utdata / path.stem]
        return next((folder for folder in folders if folder.is_dir() and not folder.is_symlink()), None)

    def existing_file(agreement: str) -> Path:
        """The file of ``agreement`` as the save route finds it: 400 for an unsafe id, 404 when there is none."""
        require_safe_id(agreement)
        try:
            path = store.path(agreement)
        except AvtalError as e:
            abort(422, "; ".join(str(p) for p in e.problems))
        if not os.path.lexists(path):
            abort(404, f"Det finns inget avtal {agreement} i {indata}.")
        return path

    @app.get("/avtal/<agreement>/ta-bort")
    def confirm_remove(agreement: str) -> tuple[str, int]:
        path = existing_file(agreement)
        problem = trash.refusal(indata, path)
        if problem is not None:
            return render_template("fel.html", code=422, message="Avtalet kan inte tas bort från formuläret.", problems=[problem]), 422
        current = file_hash(path)
        version = request.args.get("version") or current  # a link typed by hand: the page is this one, loaded now
        title = ""
        try:
            data = load_json(path)
            head = data.get("avtal") if isinstance(data, dict) else None
            title = str(head.get("titel") or "") if isinstance(head, dict) else ""
        except AvtalError:
            pass  # a file that is not JSON can be deleted too: it is named by its file name
        changed = version != current
        return render_template("ta-bort.html", agreement=agreement, title=title, file=str(path), version=version, changed=changed,
                               trash=str(trash.trash_folder(indata)), generated=generated_folder(path), utdata=str(utdata)), 409 if changed else 200

    @app.post("/avtal/<agreement>/ta-bort")
    def remove(agreement: str) -> Any:
        path = existing_file(agreement)
        generated = generated_folder(path)
        try:
            removed = store.remove(agreement, request.form.get("version"))
        except ConflictError as e:
            return render_template("fel.html", code=409, message="Avtalet togs inte bort: filen har ändrats på disken sedan du öppnade sidan. "
                                   "Öppna avtalet igen och se efter vad som har ändrats innan du tar bort det.",
                                   problems=e.problems, again=agreement), 409
        except AvtalError as e:
            return render_template("fel.html", code=422, message="Avtalet togs inte bort; filen ligger kvar.", problems=e.problems), 422
        return listing(removed, generated)

    @app.post("/api/kontrollera")
    def check() -> Any:
        body = _body()
        return jsonify({"problem": _problems(store.check(body.get("data"), opened_file(body)))})

    @app.post("/api/spara")
    def save() -> Any:
        body = _body()
        agreement = opened_file(body)
        try:
            saved = store.save(body.get("data"), agreement, body.get("version"), overwrite=body.get("skriv_over") is True)
        except ConflictError as e:
            return jsonify({"meddelande": "; ".join(str(p) for p in e.problems), "konflikt": True, "problem": _problems(e.problems)}), 409
        except AvtalError as e:
            return jsonify({"meddelande": "Avtalet sparades inte.", "problem": _problems(e.problems)}), 422
        result = asdict(saved)
        result["problem"] = _problems(saved.problems)
        del result["problems"]
        return jsonify(result)

    @app.post("/api/generera")
    def generate() -> Any:
        body = _body()
        agreement = body.get("fil")
        if not isinstance(agreement, str):
            abort(400, "Spara avtalet innan det genereras.")
        require_safe_id(agreement)
        path = store.path(agreement)
        if not path.exists():
            abort(404, f"Det finns inget avtal {agreement} i {indata}.")
        if file_hash(path) != body.get("version"):
            return jsonify({"meddelande": f"{path} har ändrats på disken sedan du öppnade den; spara eller öppna filen igen först.",
                            "konflikt": True, "problem": []}), 409
        try:
            result = pipeline.generate([path], utdata=utdata, indata=indata, mallar=mallar, troskelvarden=troskelvarden, pdf=make_pdf)
        except AvtalError as e:
            return jsonify({"meddelande": "Dokumenten kunde inte göras.", "problem": _problems(e.problems), "dokument": []}), 422
        entry = Manifest.load(utdata).entries.get(agreement)
        documents = []
        if entry is not None and agreement in recorded_ids(utdata, path):
            for name in entry.dokument:
                for file in (name, name.removesuffix(".docx") + ".pdf"):
                    if (utdata / agreement / file).exists():
                        stem, kind = file.rsplit(".", 1)
                        label = f"{LABELS.get(stem, stem)} ({'PDF' if kind == 'pdf' else 'Word'})"
                        documents.append({"namn": file, "etikett": label, "url": url_for("document", agreement=agreement, name=file)})
        problems = result.problems + result.warnings
        status = 200 if result.ok and documents else 422
        message = "Dokumenten är klara." if status == 200 else "Dokumenten kunde inte göras."
        return jsonify({"meddelande": message, "problem": _problems(problems), "dokument": documents}), status

    @app.get("/utdata/<agreement>/<name>")
    def document(agreement: str, name: str) -> Response:
        require_safe_id(agreement)
        target = utdata / agreement / name
        if name not in DOCUMENTS or not target.is_file():
            abort(404)
        return send_file(target.resolve(), as_attachment=name.endswith(".docx"), download_name=f"{agreement}-{name}", max_age=0)

    return app


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
            ready(f"http://127.0.0.1:{server.port}/")
        try:
            server.serve_forever()
        finally:
            server.server_close()
    finally:
        listener.close()
