"""The form's pages and API as a Flask Blueprint: each route a module-level function over the running form's Settings."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, copy_current_request_context, current_app, jsonify, render_template, request, send_file, url_for

from ..agreement.load import load_json
from ..agreement.thresholds import load_thresholds
from ..errors import AvtalError, Problem
from ..kinds import TEMPLATE_FILES
from ..legal.rules import KIND_NAMES
from ..output import pipeline
from ..output.manifest import file_hash
from ..output.records import ids_of, record_of
from . import form as form_schema
from . import trash
from .jobs import Job, Jobs
from .request_body import json_body
from .store import SCHEMA_REF, ConflictError, Removed, Store

DOCUMENTS = {*TEMPLATE_FILES, *(name.removesuffix(".docx") + ".pdf" for name in TEMPLATE_FILES)}
LABELS = {"avtal": "Avtalet", "pub-bilaga": "Bilaga: personuppgiftsbiträdesavtal", "kostnadsfordelning": "Bilaga: kostnadsfördelning"}

pages = Blueprint("form", __name__)


@dataclass(frozen=True)
class Settings:
    """What one running form works on: its folders, its store of agreement files and whether it makes PDFs."""

    store: Store
    indata: Path
    utdata: Path
    mallar: Path
    troskelvarden: Path
    make_pdf: bool
    jobs: Jobs = field(default_factory=Jobs)


def settings() -> Settings:
    """The Settings of the application handling this request."""
    found: Settings = current_app.extensions["avtal"]
    return found


def problems_json(problems: list[Problem]) -> list[dict[str, str]]:
    return [{"fil": p.file, "plats": p.place, "meddelande": p.message, "allvar": p.severity} for p in problems]


def recorded_ids(utdata: Path, path: Path) -> list[str]:
    """The ids the records of ``utdata`` hold for the input file ``path``, however the path was written (relative,
    absolute, through a link): both sides go through the records' one identity of an input file (output.identity)."""
    try:
        return ids_of(utdata, path)
    except AvtalError:
        return []


def require_safe_id(agreement: str) -> None:
    if not settings().store.is_safe(agreement):
        abort(400, "Ogiltigt avtals-id: bara små bokstäver a–z, siffror och bindestreck.")


def agreement_file(agreement: str, link: bool = False) -> Path:
    """The file of ``agreement``: 400 for an unsafe id, 422 for a file that is a link out of the folder, 404 when there is none.

    ``link``: a link inside the folder counts as there even when it leads nowhere (a delete names it).
    """
    require_safe_id(agreement)
    try:
        path = settings().store.path(agreement)
    except AvtalError as e:
        abort(422, f"{agreement}.json kan inte öppnas i formuläret: " + "; ".join(p.message for p in e.problems) + ".")
    if not (os.path.lexists(path) if link else path.exists()):
        abort(404, f"Det finns inget avtal {agreement} i {settings().indata}.")
    return path


def opened_file(body: dict[str, Any]) -> str | None:
    """The id of the file the form was opened from (None for a new agreement); 400 for an unsafe one."""
    agreement = body.get("fil")
    if agreement is not None:
        if not isinstance(agreement, str):
            abort(400, "Ogiltigt avtals-id: bara små bokstäver a–z, siffror och bindestreck.")
        require_safe_id(agreement)
    return agreement


def edit_page(data: dict[str, Any], agreement: str | None, version: str | None, restored: bool = False) -> str:
    """The form filled in with ``data`` (opened from the file ``agreement`` at ``version``, or new); ``restored``: a
    local draft the browser kept, which is not saved."""
    head = data.get("avtal")
    kind = head.get("typ") if isinstance(head, dict) else None
    meta = {"fil": agreement, "version": version, "schema": data.get("$schema", SCHEMA_REF), "pdf": settings().make_pdf, "typer": KIND_NAMES,
            "aterstallt": restored}
    return render_template("redigera.html", root=form_schema.form(), data=data, meta=meta, agreement=agreement, lists=run_time_lists(),
                           typ=kind if isinstance(kind, str) and kind in dict(form_schema.kinds()) else "", kind_names=KIND_NAMES,
                           problems=problems_json(settings().store.check(data, agreement)))


def run_time_lists() -> dict[str, list[tuple[str, str]]]:
    """The choices of the fields whose values are names in a file (``x-lista``), as (name, Swedish label).

    The threshold values by their names in the thresholds file, labelled with their Swedish names; a file that cannot
    be read gives no list, and the field stays a text field (the check says what is wrong with the file).
    """
    try:
        thresholds = load_thresholds(settings().troskelvarden)
    except AvtalError:
        return {}
    return {"troskelvarden": [(name, values[0].benamning[:1].upper() + values[0].benamning[1:] if values else name)
                              for name, values in thresholds.values.items()]}


def listing(removed: Removed | None = None, generated: Path | None = None, restored: Path | None = None) -> str:
    current = settings()
    return render_template("lista.html", agreements=current.store.summaries(), kinds=form_schema.kinds(), indata=str(current.indata),
                           kind_labels=dict(form_schema.kinds()), explanations=form_schema.kind_explanations(),
                           removed=removed, generated=generated, utdata=str(current.utdata), trashed=trash.trashed(current.indata),
                           restored=restored)


def generated_folder(path: Path) -> Path | None:
    """Where the documents made from the file ``path`` are, if any: by the records, else by the file's name."""
    utdata = settings().utdata
    folders = [utdata / key for key in recorded_ids(utdata, path)] + [utdata / path.stem]
    return next((folder for folder in folders if folder.is_dir() and not folder.is_symlink()), None)


@pages.get("/")
def index() -> str:
    return listing()


@pages.get("/nytt")
def new() -> str:
    kind = request.args.get("typ", "")
    if kind not in [value for value, _ in form_schema.kinds()]:
        abort(400, "Okänd avtalstyp; välj en av typerna i listan.")
    # Required lists start with as many empty rows as they need (two parties): the template renders them.
    return edit_page({"$schema": SCHEMA_REF, "avtal": {"typ": kind}}, None, None)


@pages.get("/avtal/<agreement>")
def edit(agreement: str) -> Any:
    agreement_file(agreement)
    try:
        data, version = settings().store.open(agreement)
    except AvtalError as e:
        return render_template("fel.html", code=422, message="Filen kan inte öppnas i formuläret. Rätta den i en textredigerare först:",
                               problems=e.problems), 422
    return edit_page(data, agreement, version)


@pages.post("/utkast")
def restore_draft() -> str:
    """The form filled in with the unsaved draft the browser kept for a file (or a new agreement), to go on from it."""
    try:
        data = json.loads(request.form.get("data", ""))
    except ValueError:
        abort(400, "Utkastet från webbläsaren är ingen giltig JSON och kan inte återställas.")
    if not isinstance(data, dict):
        abort(400, "Utkastet från webbläsaren ska vara ett JSON-objekt.")
    agreement = request.form.get("fil") or None
    if agreement is not None:
        agreement_file(agreement)
    return edit_page(data, agreement, request.form.get("version") or None, restored=True)


@pages.get("/avtal/<agreement>/ta-bort")
def confirm_remove(agreement: str) -> tuple[str, int]:
    path = agreement_file(agreement, link=True)
    current = settings()
    problem = trash.refusal(current.indata, path)
    if problem is not None:
        return render_template("fel.html", code=422, message="Avtalet kan inte tas bort från formuläret.", problems=[problem]), 422
    on_disk = file_hash(path)
    version = request.args.get("version") or on_disk  # a link typed by hand: the page is this one, loaded now
    title = ""
    try:
        data = load_json(path)
        head = data.get("avtal") if isinstance(data, dict) else None
        title = str(head.get("titel") or "") if isinstance(head, dict) else ""
    except AvtalError:
        pass  # a file that is not JSON can be deleted too: it is named by its file name
    changed = version != on_disk
    return render_template("ta-bort.html", agreement=agreement, title=title, file=str(path), version=version, changed=changed,
                           trash=str(trash.trash_folder(current.indata)), generated=generated_folder(path),
                           utdata=str(current.utdata)), 409 if changed else 200


@pages.post("/avtal/<agreement>/ta-bort")
def remove(agreement: str) -> Any:
    path = agreement_file(agreement, link=True)
    generated = generated_folder(path)
    try:
        removed = settings().store.remove(agreement, request.form.get("version"))
    except ConflictError as e:
        return render_template("fel.html", code=409, message="Avtalet togs inte bort: filen har ändrats på disken sedan du öppnade sidan. "
                               "Öppna avtalet igen och se efter vad som har ändrats innan du tar bort det.",
                               problems=e.problems, again=agreement), 409
    except AvtalError as e:
        return render_template("fel.html", code=422, message="Avtalet togs inte bort; filen ligger kvar.", problems=e.problems), 422
    return listing(removed, generated)


@pages.post("/borttagna/<name>/aterstall")
def restore(name: str) -> Any:
    """Move a deleted agreement back from ``.borttagna/``; never over a file of the same name."""
    try:
        restored = trash.restore(settings().indata, name)
    except AvtalError as e:
        return render_template("fel.html", code=409, message="Avtalet återställdes inte; det ligger kvar bland de borttagna.",
                               problems=e.problems), 409
    return listing(restored=restored)


@pages.post("/api/kontrollera")
def check() -> Any:
    body = json_body()
    return jsonify({"problem": problems_json(settings().store.check(body.get("data"), opened_file(body)))})


@pages.post("/api/spara")
def save() -> Any:
    body = json_body()
    agreement = opened_file(body)
    try:
        saved = settings().store.save(body.get("data"), agreement, body.get("version"), overwrite=body.get("skriv_over") is True)
    except ConflictError as e:
        return jsonify({"meddelande": "; ".join(str(p) for p in e.problems), "konflikt": True, "problem": problems_json(e.problems)}), 409
    except AvtalError as e:
        return jsonify({"meddelande": "Avtalet sparades inte.", "problem": problems_json(e.problems)}), 422
    result = asdict(saved)
    result["problem"] = problems_json(saved.problems)
    del result["problems"]
    return jsonify(result)


def document_links(agreement: str, path: Path) -> list[dict[str, str]]:
    """Every document (Word and PDF) the records say was made from ``path`` under the id ``agreement``, with its link."""
    utdata = settings().utdata
    try:
        found = record_of(utdata, path)
    except AvtalError:
        return []
    if found is None or found[0] != agreement:
        return []
    entry = found[1]
    documents = []
    for name in entry.dokument:
        for file in (name, name.removesuffix(".docx") + ".pdf"):
            if (utdata / agreement / file).exists():
                stem, kind = file.rsplit(".", 1)
                label = f"{LABELS.get(stem, stem)} ({'PDF' if kind == 'pdf' else 'Word'})"
                documents.append({"namn": file, "etikett": label, "url": url_for("form.document", agreement=agreement, name=file)})
    return documents


# The folders of an agreement's output whose documents the form links to besides the documents themselves.
KEPT_FOLDERS = {"jamforelse": "Jämförelse med förra versionen", "tidigare": "Tidigare version"}


def kept_links(agreement: str, since: float, archived: list[Path]) -> list[dict[str, str]]:
    """The comparison documents of ``agreement`` written since ``since`` and the earlier versions this run kept (``archived``).

    A version moved into ``tidigare/`` keeps the time it was written (perhaps long ago), so it is found by the folder
    the run moved it to, never by its time.
    """
    base = settings().utdata / agreement
    kept_folders = {path.parent.resolve() for path in archived}
    links = []
    for folder, label in KEPT_FOLDERS.items():
        top = base / folder
        if top.is_symlink() or not top.is_dir():
            continue
        for file in sorted(top.rglob("*")):
            if file.suffix not in (".docx", ".pdf") or not file.is_file():
                continue
            if (file.parent.resolve() not in kept_folders) if folder == "tidigare" else file.stat().st_mtime < since:
                continue
            name = file.relative_to(base).as_posix()
            if kept_file(agreement, name) is None:
                continue
            kind = "PDF" if file.suffix == ".pdf" else "Word"
            url = url_for("form.kept_document", agreement=agreement, folder=folder, rest=file.relative_to(top).as_posix())
            links.append({"namn": name, "etikett": f"{label} ({kind})", "url": url})
    return links


def kept_file(agreement: str, name: str) -> Path | None:
    """``utdata/<agreement>/<name>`` when it is a Word or PDF file in jamforelse/ or tidigare/ reached through no link."""
    parts = name.split("/")
    if parts[0] not in KEPT_FOLDERS or len(parts) > 3 or any(part in ("", ".", "..") for part in parts) or Path(name).suffix not in (".docx", ".pdf"):
        return None
    current = settings().utdata / agreement
    for part in parts:
        current = current / part
        if current.is_symlink():
            return None
    return current if current.is_file() else None


@pages.post("/api/generera")
def generate() -> Any:
    """Start making the documents of a saved agreement: 202 with the job, whose steps ``GET /api/jobb/<id>`` gives."""
    body = json_body()
    agreement = body.get("fil")
    if not isinstance(agreement, str):
        abort(400, "Spara avtalet innan det genereras.")
    path = agreement_file(agreement)
    if file_hash(path) != body.get("version"):
        return jsonify({"meddelande": f"{path} har ändrats på disken sedan du öppnade den; spara eller öppna filen igen först.",
                        "konflikt": True, "problem": []}), 409

    @copy_current_request_context  # the run outlives the request; it needs the app's settings and url_for
    def work(job: Job) -> tuple[bool, dict[str, Any]]:
        return run_generate(agreement, path, job)

    job = settings().jobs.start(agreement, work)
    return jsonify({**job.view(), "url": url_for("form.job", job_id=job.id)}), 202


def run_generate(agreement: str, path: Path, job: Job) -> tuple[bool, dict[str, Any]]:
    """Make the documents of ``path`` as ``avtal generera`` does, telling ``job`` each step; whether it worked, and the answer."""
    current = settings()
    started = time.time() - 1  # file times may be rounded down to the second
    try:
        result = pipeline.generate([path], utdata=current.utdata, indata=current.indata, mallar=current.mallar,
                                   troskelvarden=current.troskelvarden, pdf=current.make_pdf, stage=job.stage)
    except AvtalError as e:
        return False, {"meddelande": "Dokumenten kunde inte göras.", "problem": problems_json(e.problems), "dokument": []}
    documents = document_links(agreement, path)
    ok = result.ok and bool(documents)
    documents += kept_links(agreement, started, result.archived) if documents else []
    message = "Dokumenten är klara." if ok else "Dokumenten kunde inte göras."
    return ok, {"meddelande": message, "problem": problems_json(result.problems + result.warnings), "dokument": documents}


@pages.get("/api/jobb/<job_id>")
def job(job_id: str) -> Any:
    """How far a generate job has come: its steps, and when it is finished the documents or the problems."""
    found = settings().jobs.get(job_id)
    if found is None:
        abort(404, "Det finns ingen sådan körning; den kan vara gammal. Tryck Generera dokument igen.")
    return jsonify(found.view())


@pages.get("/utdata/<agreement>/<folder>/<path:rest>")
def kept_document(agreement: str, folder: str, rest: str) -> Response:
    require_safe_id(agreement)
    target = kept_file(agreement, f"{folder}/{rest}")
    if target is None:
        abort(404)
    # Resolved: Flask reads a relative path against the package, not against the folder the form was started in.
    return send_file(target.resolve(), as_attachment=target.suffix == ".docx", download_name=f"{agreement}-{target.name}", max_age=0)


@pages.get("/utdata/<agreement>/<name>")
def document(agreement: str, name: str) -> Response:
    require_safe_id(agreement)
    target = settings().utdata / agreement / name
    if name not in DOCUMENTS or not target.is_file():
        abort(404)
    return send_file(target.resolve(), as_attachment=name.endswith(".docx"), download_name=f"{agreement}-{name}", max_age=0)
