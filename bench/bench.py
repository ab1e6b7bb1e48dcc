"""Benchmark: plain docxtpl against the compiled pipeline, batch throughput, no-op regeneration, memory, PDF, comparison."""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import io
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pdf_bench import pdf_figures  # noqa: E402

from avtalsgenerator.agreement.thresholds import load_thresholds  # noqa: E402
from avtalsgenerator.compare.document import compare_documents  # noqa: E402
from avtalsgenerator.output import comparisons, store  # noqa: E402
from avtalsgenerator.output.children import default_workers  # noqa: E402
from avtalsgenerator.output.pipeline import generate  # noqa: E402
from avtalsgenerator.output.report import document_text  # noqa: E402
from avtalsgenerator.paths import DEFAULT_MALLAR  # noqa: E402
from avtalsgenerator.prepare import prepare  # noqa: E402
from avtalsgenerator.templates.render import Renderer, make_environment, render_docx_plain  # noqa: E402

EXAMPLES = ROOT / "indata" / "avtal"
EXAMPLE_NAMES = [p.stem for p in sorted(EXAMPLES.glob("*.json"))]  # make_batch takes them in this order
THRESHOLDS = ROOT / "indata" / "troskelvarden.json"
MALLAR = ROOT / DEFAULT_MALLAR


def make_batch(folder: Path, count: int) -> list[Path]:
    """``count`` agreements varied from the examples: other ids, titles, inhabitants and amounts."""
    examples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        data = copy.deepcopy(examples[n % len(examples)])
        data["avtal"]["id"] = f"{data['avtal']['id'][:60]}-{n:05d}"
        data["avtal"]["titel"] += f" (nr {n})"
        data["avtal"]["diarienummer"] += f"-{n}"
        factor = 0.7 + (n % 7) / 20
        for party in data["parter"]:
            for key in ("invanare", "anvandare"):
                if key in party:
                    party[key] = max(1, int(party[key] * factor))
        if "kostnad_ar" in data.get("ekonomi", {}):
            data["ekonomi"]["kostnad_ar"] = int(data["ekonomi"]["kostnad_ar"] * factor)
        path = folder / f"avtal-{n:05d}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def per_document_ms(jobs: list[tuple[Path, dict[str, Any]]], render: Any) -> float:
    start = time.perf_counter()
    for template, context in jobs:
        render(template, context)
    return (time.perf_counter() - start) * 1000 / len(jobs)


def zip_floor_ms(jobs: list[tuple[Path, dict[str, Any]]]) -> float:
    """Read each template package and write it again, unchanged: the least any renderer must do."""
    start = time.perf_counter()
    for template, _ in jobs:
        source = zipfile.ZipFile(io.BytesIO(template.read_bytes()))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                target.writestr(info, source.read(info.filename))
    return (time.perf_counter() - start) * 1000 / len(jobs)


def _children_cpu_ms(before: Any) -> float:
    """Processor time (user and system) of the child processes waited for since ``before`` (a getrusage result)."""
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000


def batch_cpu_figures(paths: list[Path], work: Path) -> dict[str, float]:
    """The whole batch's work on one core (checks, rendering, writing with fsync, records), as processor time per document.

    On a machine shared with other jobs the throughput on all cores says more about them than about the generator;
    the processor time a document costs, everything included, does not, and ``cores × 1000 / ms`` is what free cores give.
    """
    utdata = work / "utdata-en-karna"
    start = time.process_time()
    result = generate(paths, utdata=utdata, mallar=MALLAR, troskelvarden=THRESHOLDS, workers=1)
    assert result.ok, result.problems
    return {"batch_cpu_ms_per_doc": round((time.process_time() - start) * 1000 / len(result.written), 2), "batch_cpu_docs": len(result.written)}


def _median_run_ms(command: list[str], rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append((time.perf_counter() - start) * 1000)
    return round(sorted(times)[len(times) // 2], 1)


def top_imports(arguments: list[str], count: int = 6) -> list[str]:
    """The packages a command imports that cost most (``python -X importtime``), as "name ms"."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "avtalsgenerator", *arguments], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    costs: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
            if cumulative.isdigit() and "." not in name and name not in ("avtalsgenerator", "encodings", "site"):
                costs[name] = max(costs.get(name, 0), int(cumulative))
    return [f"{name} {us / 1000:.0f} ms" for name, us in sorted(costs.items(), key=lambda item: -item[1])[:count]]


def startup_figures() -> dict[str, Any]:
    """A new process: `avtal --version` against a bare Python, and the top imports of each command."""
    example = str(EXAMPLES / f"{EXAMPLE_NAMES[1]}.json")
    commands = {"--version": ["--version"], "--help": ["--help"], "validera": ["validera", example],
                "generera": ["generera", "--utdata", tempfile.mkdtemp(prefix="avtal-bench-imports-"), example]}
    return {
        "python_start_ms": _median_run_ms([sys.executable, "-c", "pass"]),
        "cli_version_ms": _median_run_ms([str(Path(sys.executable).with_name("avtal")), "--version"]),
        "cli_help_ms": _median_run_ms([str(Path(sys.executable).with_name("avtal")), "--help"]),
        "top_imports": {name: top_imports(arguments) for name, arguments in commands.items()},
    }


def long_agreement(extra_parties: int) -> dict[str, Any]:
    """The Stockholm example with ``extra_parties`` more paying municipalities: ten pages in LibreOffice with 10."""
    data = json.loads((EXAMPLES / "region-stockholm-vardovergangar.json").read_text(encoding="utf-8"))
    template = data["parter"][-1]
    for n in range(extra_parties):
        party = copy.deepcopy(template)
        party.update(id=f"kommun{n}", namn=f"Kommun nummer {n}", organisationsnummer=_org_number(500 + n), invanare=20000 + 997 * n, anvandare=40 + n)
        data["parter"].append(party)
        for task in data["uppgifter"]:
            task["mottagare"].append(party["id"])
        data["ekonomi"]["fordelning"]["betalande"].append(party["id"])
    return data


def _org_number(serial: int) -> str:
    """A municipal organisation number 212000-NNNN with a correct Luhn check digit."""
    digits = f"212000{serial:03d}"
    total = sum(d if i % 2 else (2 * d if d < 5 else 2 * d - 9) for i, d in enumerate(int(c) for c in digits))
    return f"{digits[:6]}-{digits[6:]}{(10 - total % 10) % 10}"


def comparison_figures(work: Path, rounds: int) -> dict[str, Any]:
    """Time one comparison document for a ~10-page agreement after a realistic edit (a party, an amount, a sentence)."""
    thresholds = load_thresholds(THRESHOLDS)
    renderer = Renderer(make_environment())
    old_data = long_agreement(10)
    new_data = copy.deepcopy(old_data)
    new_data["parter"] = [p for p in new_data["parter"] if p["id"] != "kommun7"]
    for task in new_data["uppgifter"]:
        task["mottagare"].remove("kommun7")
    new_data["ekonomi"]["fordelning"]["betalande"].remove("kommun7")
    new_data["ekonomi"]["support"]["kostnad_ar"] = 3400000
    new_data["avtal"]["syfte"] += " Parterna vill också samordna utbildningen av användarna."
    versions = []
    for name, data in (("gammal", old_data), ("ny", new_data)):
        path = work / f"jamforelse-{name}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        versions.append(renderer.render(MALLAR / "avtal.docx", prepare(path, thresholds).context))
    old, new = versions
    when = dt.datetime(2026, 11, 20, 10, 0)
    compare_documents(old, new, when=when)  # warm
    start = time.perf_counter()
    for _ in range(rounds):
        comparison = compare_documents(old, new, when=when)
    ms = (time.perf_counter() - start) * 1000 / rounds
    words = len(" ".join(document_text(new)).split())
    long_ms = long_paragraph_ms(work, renderer, thresholds, old_data)
    return {
        "ms_per_comparison": round(ms, 1),
        "ms_long_paragraph_comparison": long_ms,
        "comparison_words": words,
        "comparison_inserted_words": comparison.inserted_words,
        "comparison_deleted_words": comparison.deleted_words,
    }
def long_paragraph_ms(work: Path, renderer: Renderer, thresholds: Any, data: dict[str, Any], words: int = 15_000) -> float:
    """One comparison where ``avtal.syfte`` is a paragraph of ``words`` words rewritten throughout (issue 27 point 6)."""
    rng = random.Random(27)
    vocabulary = [f"{stem}{ending}" for stem in ("avtal", "kommun", "region", "uppgift", "kostnad", "beslut", "tjänst", "ansvar")
                  for ending in ("", "en", "er", "erna", "ens")]

    def text(seed: int) -> str:
        rng.seed(seed)
        return " ".join(rng.choice(vocabulary) + ("." if rng.random() < 0.06 else "") for _ in range(words))

    versions = []
    for seed in (1, 2):
        changed = copy.deepcopy(data)
        changed["avtal"]["syfte"] = text(seed)
        path = work / f"lang-{seed}.json"
        path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
        versions.append(renderer.render(MALLAR / "avtal.docx", prepare(path, thresholds).context))
    start = time.perf_counter()
    compare_documents(versions[0], versions[1], when=dt.datetime(2026, 11, 20, 10, 0))
    return round((time.perf_counter() - start) * 1000, 1)


def _edit(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["avtal"]["titel"] += " (ändrad)"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


GENERERA_IMPORTS = ("import avtalsgenerator.cli; from avtalsgenerator.output import batch, pipeline; "
                    "from avtalsgenerator.output import comparisons; from avtalsgenerator.templates import render")


def one_agreement_changed(paths: list[Path], utdata: Path) -> dict[str, Any]:
    """The common case: one agreement edited and regenerated alone, in a folder of all the others.

    Each of the six examples is timed, the middle of three edits (they differ: 1 to 3 documents, 2 to 15 parties), in this
    process (the work of generate()) and as a user runs it: ``avtal generera FIL`` in a new process,
    with the caches warm, and with the per-user cache (compiled templates, schemas, template checks) empty.
    """
    work: dict[str, float] = {}
    reporting: dict[str, float] = {}
    spent = [0.0]  # time inside the comparison documents and the report's sentence diff

    def timed(function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start
        return wrapper

    originals = comparisons.record_comparison, store.sentence_changes
    comparisons.record_comparison, store.sentence_changes = timed(originals[0]), timed(originals[1])
    try:
        for name, path in zip(EXAMPLE_NAMES, paths, strict=False):
            trials = []  # (total, comparisons) of each edit; the middle one of three is kept, against noise
            for _ in range(3):
                _edit(path)
                spent[0] = 0.0
                start = time.perf_counter()
                result = generate([path], utdata=utdata, mallar=MALLAR, troskelvarden=THRESHOLDS, workers=1)
                trials.append(((time.perf_counter() - start) * 1000, spent[0] * 1000))
                assert result.ok and result.written, "the changed agreement was not regenerated"
            total, compared = sorted(trials)[1]
            work[name], reporting[name] = round(total, 1), round(compared, 1)
    finally:
        comparisons.record_comparison, store.sentence_changes = originals
    command = [str(Path(sys.executable).with_name("avtal")), "generera", "--tyst", "--utdata", str(utdata),
               "--mallar", str(MALLAR), "--troskelvarden", str(THRESHOLDS)]
    cli: dict[str, float] = {}
    # As on a user's machine: Python keeps the compiled modules (some environments turn that off).
    user = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", "import avtalsgenerator.cli"], check=True, env=user)
    with tempfile.TemporaryDirectory(prefix="avtal-bench-cache-") as empty:
        for name, environment, rounds in (("warm", user, 5), ("cold", {**user, "AVTAL_CACHE": empty}, 1)):
            walls, cpus = [], []  # the middle of ``rounds`` edits; processor time (user + system) is less shaken by other jobs
            for _ in range(rounds):
                _edit(paths[1])
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run([*command, str(paths[1])], check=True, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                walls.append((time.perf_counter() - start) * 1000)
                cpus.append(_children_cpu_ms(before))
            cli[name], cli[name + "_cpu"] = round(sorted(walls)[rounds // 2], 1), round(sorted(cpus)[rounds // 2], 1)
    imports = _median_run_ms([sys.executable, "-c", GENERERA_IMPORTS])  # Python's start and every module `generera` imports
    ordered = sorted(work.values())
    rest = sorted(work[name] - reporting[name] for name in work)
    return {
        "one_agreement_changed_without_comparisons_ms": round(rest[len(rest) // 2], 1),
        "one_agreement_changed_without_comparisons_max_ms": round(rest[-1], 1),
        "one_agreement_changed_comparisons_by_example_ms": reporting,
        "one_agreement_changed_ms": ordered[len(ordered) // 2],
        "one_agreement_changed_min_ms": ordered[0],
        "one_agreement_changed_max_ms": ordered[-1],
        "one_agreement_changed_by_example_ms": work,
        "cli_one_agreement_changed_ms": cli["warm"],
        "cli_one_agreement_changed_cpu_ms": cli["warm_cpu"],
        "cli_one_agreement_changed_cold_ms": cli["cold"],
        "cli_start_and_imports_ms": imports,
        "cli_example": EXAMPLE_NAMES[1],
    }


def template_check_figures(work: Path, extra: int = 3000) -> dict[str, float]:
    """``avtal mallar kontrollera``'s template check, warm: the shipped folder, and avtal.docx with ``extra`` more paragraphs.

    The check must grow linearly with the template (issue 26: a template with 3 000 extra paragraphs in at most 3 s).
    """
    from docx import Document

    from avtalsgenerator.templates.check import check_templates

    check_templates([MALLAR])  # warm: imports, schema, field catalogue
    start = time.perf_counter()
    check_templates([MALLAR])
    folder_s = time.perf_counter() - start
    large = work / "stor" / "avtal.docx"
    large.parent.mkdir(parents=True)
    document = Document(str(MALLAR / "avtal.docx"))
    for number in range(extra):
        document.add_paragraph(f"Stycke {number}: {{{{ avtal.titel }}}}, diarienummer {{{{ avtal.diarienummer }}}}.")
    document.save(str(large))
    start = time.perf_counter()
    check_templates([large])
    return {"template_check_s": round(folder_s, 2), "template_check_3000_extra_s": round(time.perf_counter() - start, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--antal", type=int, default=1000, help="agreements in the batch")
    parser.add_argument("--prov", type=int, default=60, help="documents timed per single-core measurement")
    parser.add_argument("--pdf", type=int, default=12, help="documents in the PDF measurement (0: skip)")
    parser.add_argument("--jamforelser", type=int, default=20, help="comparison documents timed (0: skip)")
    parser.add_argument("--utdata", type=Path, default=ROOT / "utdata")
    parser.add_argument("--bara-pdf", action="store_true", help="only the PDF part, written to utdata/bench-pdf.json")
    args = parser.parse_args()
    if args.bara_pdf:
        pdf_only(args.pdf or 12, args.utdata)
        return

    with tempfile.TemporaryDirectory(prefix="avtal-bench-") as temp:
        work = Path(temp)
        paths = make_batch(work / "indata", args.antal)
        thresholds = load_thresholds(THRESHOLDS)
        jobs: list[tuple[Path, dict[str, Any]]] = []
        for path in paths:
            agreement = prepare(path, thresholds)
            jobs.extend((MALLAR / template, agreement.context) for template in agreement.documents.values())
            if len(jobs) >= args.prov:
                break
        jobs = jobs[: args.prov]
        env = make_environment()
        renderer = Renderer(env)
        for template, context in jobs[:3]:  # warm both paths: imports, caches, the compiled templates
            render_docx_plain(template, context, env)
            renderer.render(template, context)
        docxtpl_ms = per_document_ms(jobs, lambda t, c: render_docx_plain(t, c, env))
        pipeline_ms = per_document_ms(jobs, renderer.render)
        floor_ms = zip_floor_ms(jobs)

        utdata = work / "utdata"
        workers = default_workers()
        start = time.perf_counter()
        result = generate(paths, utdata=utdata, mallar=MALLAR, troskelvarden=THRESHOLDS, workers=workers)
        batch_s = time.perf_counter() - start
        documents = len(result.written)
        start = time.perf_counter()
        again = generate(paths, utdata=utdata, mallar=MALLAR, troskelvarden=THRESHOLDS, workers=workers)
        noop_s = time.perf_counter() - start
        assert not again.written, "no-op run wrote files"
        figures: dict[str, Any] = {
            "docs": documents,
            "agreements": len(paths),
            "ms_per_doc_docxtpl": round(docxtpl_ms, 2),
            "ms_per_doc_pipeline": round(pipeline_ms, 2),
            "ms_per_doc_zip_floor": round(floor_ms, 2),
            "speedup_vs_docxtpl": round(docxtpl_ms / pipeline_ms, 1),
            "ratio_to_zip_floor": round(pipeline_ms / floor_ms, 2),
            "docs_per_s_batch": round(documents / batch_s, 1),
            "batch_s": round(batch_s, 2),
            "workers": workers,
            "noop_regeneration_s": round(noop_s, 3),
            "docs_per_s_one_core": round(1000 / pipeline_ms, 1),
            **one_agreement_changed(paths, utdata),
            **startup_figures(),
            "peak_rss_mb": round(
                max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024, 1
            ),
            "machine": f"{platform.machine()}, {workers} kärnor, Python {platform.python_version()}",
        }
        figures.update(batch_cpu_figures(paths[: min(len(paths), 300)], work))
        if args.pdf:
            docs = sorted(utdata.glob("*/avtal.docx"))[: args.pdf]
            figures.update(pdf_figures(docs, work))
        if args.jamforelser:
            figures.update(comparison_figures(work, args.jamforelser))
        figures.update(template_check_figures(work))

    args.utdata.mkdir(parents=True, exist_ok=True)
    (args.utdata / "bench.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_figures(figures)
    print(f"skrev {args.utdata / 'bench.json'}")


def print_figures(figures: dict[str, Any]) -> None:
    """Each figure with its Swedish label, then issue 24's table."""
    labels = {
        "ms_per_doc_docxtpl": "docxtpl, ny mall per dokument (ms/dokument)",
        "ms_per_doc_pipeline": "pipelinen, en kärna (ms/dokument)",
        "ms_per_doc_zip_floor": "golv: packa upp och packa om mallen (ms/dokument)",
        "speedup_vs_docxtpl": "pipelinen jämfört med docxtpl (gånger snabbare)",
        "ratio_to_zip_floor": "pipelinen jämfört med golvet (gånger golvet)",
        "docs_per_s_batch": f"batch på alla kärnor (dokument/s, {figures.get('docs')} dokument)",
        "noop_regeneration_s": f"ingenting ändrat, {figures.get('agreements')} avtal (s)",
        "one_agreement_changed_ms": "ett avtal ändrat, generate() för det, median av sex (ms)",
        "one_agreement_changed_min_ms": "  det minsta av de sex exemplen (ms)",
        "one_agreement_changed_max_ms": "  det största av de sex exemplen (ms)",
        "one_agreement_changed_without_comparisons_ms": "  utan jämförelsedokument och meningsdiff, median (ms)",
        "one_agreement_changed_without_comparisons_max_ms": "  utan jämförelsedokument och meningsdiff, störst (ms)",
        "cli_one_agreement_changed_ms": "ett avtal ändrat, avtal generera FIL i ny process, median av fem (ms)",
        "cli_one_agreement_changed_cpu_ms": "  processortid för det, median (ms)",
        "cli_one_agreement_changed_cold_ms": "  samma med tomma cacher (ms)",
        "cli_start_and_imports_ms": "  därav Python-start och import (ms)",
        "batch_cpu_ms_per_doc": "batchen på en kärna, allt inräknat (ms processortid/dokument)",
        "peak_rss_mb": "högsta minnesanvändning (MB)",
        "template_check_s": "mallkontrollen av mallar/, varm (s)",
        "template_check_3000_extra_s": "mallkontrollen av avtal.docx med 3 000 extra stycken (s)",
        "ms_per_doc_pdf_batch": "PDF, en LibreOffice för hela batchen (ms/dokument)",
        "ms_per_doc_pdf_single": "PDF, en soffice per dokument (ms/dokument)",
        "ms_cpu_per_doc_libreoffice_batch": "  LibreOffices processortid för batchen, start inräknad (ms/dokument)",
        "ms_per_doc_pdf_servers": "PDF, varma LibreOffice-servrar, en per kärna (ms/dokument)",
        "ms_per_doc_pdf_one_server": "PDF, en varm LibreOffice-server (ms/dokument)",
        "pdf_servers_start_s": "  servrarnas start, en gång per körning eller formulär (s)",
        "ms_cpu_per_doc_libreoffice_servers": "  LibreOffices processortid med en server per kärna (ms/dokument)",
        "ms_per_doc_pdf_raw_unoserver": "PDF, en varm server, unoservers egen klient utan kontroll (ms/dokument)",
        "ms_cpu_per_doc_libreoffice": "  LibreOffices processortid för det (ms/dokument)",
        "ms_per_doc_pdf_one_server_convert": "  vår klient, bara konvertering och överföring (ms/dokument)",
        "ms_per_doc_pdf_check": "kontrollen av en PDF/A, i processen med pypdfium2 (ms/dokument)",
        "ms_per_doc_pdf_check_pdftotext": "  den tidigare kontrollen, pdfinfo och pdftotext (ms/dokument)",
        "python_start_ms": "Python utan något (ms)",
        "cli_version_ms": "avtal --version i ny process (ms)",
        "cli_help_ms": "avtal --help i ny process (ms)",
        "ms_per_comparison": f"jämförelsedokument, avtal på {figures.get('comparison_words', 0)} ord (ms/jämförelse)",
        "ms_long_paragraph_comparison": "jämförelsedokument, syftet ett stycke på 15 000 ord som skrivits om (ms)",
    }
    for key, label in labels.items():
        if key in figures:
            print(f"{label:<62} {figures[key]:>10}")
    print()
    print_issue_table(figures)
    for command, imports in figures.get("top_imports", {}).items():
        print(f"tyngsta importerna, avtal {command}: {', '.join(imports)}")


def pdf_only(count: int, utdata: Path) -> None:
    """The PDF part alone, on ``count`` agreements varied from the examples (their main documents)."""
    with tempfile.TemporaryDirectory(prefix="avtal-bench-") as temp:
        work = Path(temp)
        paths = make_batch(work / "indata", count)
        generate(paths, utdata=work / "utdata", mallar=MALLAR, troskelvarden=THRESHOLDS, workers=default_workers())
        docs = sorted((work / "utdata").glob("*/avtal.docx"))[:count]
        figures: dict[str, Any] = {"machine": f"{platform.machine()}, {default_workers()} kärnor, Python {platform.python_version()}",
                                   **pdf_figures(docs, work)}
    utdata.mkdir(parents=True, exist_ok=True)
    (utdata / "bench-pdf.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_figures(figures)
    print(f"skrev {utdata / 'bench-pdf.json'}")


def _per_free_cores(figures: dict[str, Any]) -> str:
    ms = figures.get("batch_cpu_ms_per_doc")
    return f"{figures['workers'] * 1000 / ms:.0f}" if ms else "–"


def print_issue_table(figures: dict[str, Any]) -> None:
    """Issue 24's table: each row measured now beside its baseline measured in the same run, and the target."""
    def row(what: str, now: Any, baseline: str, target: str) -> None:
        print(f"| {what} | {now} | {baseline} | {target} |")

    f = figures.get
    print("| vad | nu | jämfört med (samma körning) | mål |")
    print("|---|---:|---|---:|")
    if "ms_per_doc_pdf_batch" in figures:
        row("PDF, varma servrar, en per kärna", f"{f('ms_per_doc_pdf_servers', '–')} ms/dok",
            f"en LibreOffice för batchen {f('ms_per_doc_pdf_batch')} ms/dok; en soffice per dokument {f('ms_per_doc_pdf_single')} ms/dok",
            "≤ 150 ms/dok")
        row("PDF, en varm server", f"{f('ms_per_doc_pdf_one_server', '–')} ms/dok",
            f"unoservers egen klient, samma server, utan kontroll {f('ms_per_doc_pdf_raw_unoserver', '–')} ms/dok", "–")
    if "cli_version_ms" not in figures:
        return
    row("avtal --version, ny process", f"{f('cli_version_ms')} ms", f"Python utan något {f('python_start_ms')} ms", "≤ 100 ms")
    row("ett ändrat avtal, avtal generera FIL, ny process", f"{f('cli_one_agreement_changed_ms')} ms",
        f"därav start och import {f('cli_start_and_imports_ms')} ms; processortid {f('cli_one_agreement_changed_cpu_ms')} ms", "≤ 300 ms")
    row("batch på alla kärnor", f"{f('docs_per_s_batch')} dok/s",
        f"en kärna, bara rendering {f('docs_per_s_one_core')} dok/s × {f('workers')} kärnor; allt inräknat {f('batch_cpu_ms_per_doc')} ms "
        f"processortid/dok, {_per_free_cores(figures)} dok/s på {f('workers')} lediga kärnor", "≥ 300 dok/s")
    row("pipelinen per dokument mot golvet", f"{f('ratio_to_zip_floor')} × golvet",
        f"{f('ms_per_doc_pipeline')} ms mot golvet {f('ms_per_doc_zip_floor')} ms", "≤ 1,0 ×")


if __name__ == "__main__":
    main()
