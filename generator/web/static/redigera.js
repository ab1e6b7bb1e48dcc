// The agreement form: reads the fields back into JSON, checks it on the server as the user types,
// shows each message beside its field, saves, and generates the documents. Plain JavaScript, no libraries.
"use strict";

(function () {
  const meta = JSON.parse(document.getElementById("meta").textContent);
  const root = document.querySelector(".node.root");
  const statusEl = document.getElementById("status");
  let dirty = false;
  let checkTimer = null;
  let checkSeq = 0;
  let idCounter = 0;
  let showAll = meta.fil !== null;

  // ---- reading the form -------------------------------------------------------------------------

  function childNodes(node) {
    if (node.dataset.kind === "array") {
      return Array.from(node.querySelectorAll(":scope > .items > .item > .node"));
    }
    return Array.from(node.querySelectorAll(":scope > .children > .node, :scope > .children > section > .node"));
  }

  function parentNode(node) {
    const up = node.parentElement ? node.parentElement.closest(".node") : null;
    return up;
  }

  function segment(key) {
    return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? "." + key : "[" + JSON.stringify(key) + "]";
  }

  // Every node gets its JSON path (data-path), as the server reports places: $.parter[1].namn
  function assignPaths(node, path) {
    node.dataset.path = path;
    const isArray = node.dataset.kind === "array";
    childNodes(node).forEach(function (child, index) {
      assignPaths(child, isArray ? path + "[" + index + "]" : path + segment(child.dataset.key));
    });
    if (isArray) {
      node.querySelectorAll(":scope > .items > .item").forEach(function (item, index) {
        item.querySelector(".item-num").textContent = String(index + 1);
      });
    }
  }

  // Numbers as people type them: "1 200 000 kr", "1 200 000,00", "1200000", "33,3 %", "2,5". A decimal in a
  // whole-number field is sent as the number it is, so the check says beside the field that a whole number is needed.
  function parseNumber(text) {
    const clean = text.replace(/[\s\u00a0\u202f]/g, "").replace(/(kronor|kr|:-|%|procent)$/i, "").replace("\u2212", "-");
    if (clean === "") return undefined;
    if (/^-?\d+([.,]\d+)?$/.test(clean)) return Number(clean.replace(",", "."));
    return text; // not a number: sent as it is, so the check says what is wrong beside the field
  }

  // An organisation number typed without its hyphen (2120001488) is written as it is printed: 212000-1488.
  function formatOrganisationNumber(text) {
    const digits = text.trim();
    return /^\d{10}$/.test(digits) ? digits.slice(0, 6) + "-" + digits.slice(6) : text;
  }

  // Dates are ÅÅÅÅ-MM-DD whatever the browser's language. Also taken: 20260501, 2026-5-1, and day/month as
  // Swedes write it, "1/5 2026" or "1/5/2026" or "1.5.2026". Anything else is sent as typed, and the check says why.
  function parseDate(text) {
    const t = text.trim();
    let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t) || /^(\d{4})(\d{2})(\d{2})$/.exec(t);
    let year, month, day;
    if (m) { year = m[1]; month = m[2]; day = m[3]; } else {
      m = /^(\d{1,2})[/.](\d{1,2})(?:[/.]|\s+)(\d{4})$/.exec(t);
      if (!m) return null;
      year = m[3]; month = m[2]; day = m[1];
    }
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    if (date.getUTCFullYear() !== Number(year) || date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return null;
    return year + "-" + String(month).padStart(2, "0") + "-" + String(day).padStart(2, "0");
  }

  function formatNumber(input, integer) {
    const value = parseNumber(input.value);
    if (typeof value === "number") {
      input.value = new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 20, useGrouping: true }).format(value);
    }
  }

  function leafValue(node) {
    const input = node.querySelector(":scope > .control > .input, :scope > .input");
    const kind = node.dataset.kind;
    const raw = input.value;
    if (kind === "bool") return raw === "" ? undefined : raw === "true";
    if (kind === "date") return raw.trim() === "" ? undefined : parseDate(raw) || raw;
    if (node.dataset.key === "organisationsnummer" && raw !== "") return formatOrganisationNumber(raw);
    if (kind === "integer" || kind === "number") return parseNumber(raw);
    if (kind === "json") {
      if (raw.trim() === "") return undefined;
      try {
        node.dataset.jsonError = "";
        return JSON.parse(raw);
      } catch (e) {
        node.dataset.jsonError = "1";
        return raw;
      }
    }
    return raw === "" ? undefined : raw;
  }

  function valueOf(node, inList) {
    if (node.dataset.unused === "1") return undefined; // a part the agreement's kind does not use stays out of the file
    const kind = node.dataset.kind;
    if (kind === "object") {
      if (node.dataset.optional === "1" && node.dataset.include !== "1") return undefined;
      const result = {};
      if (node === root && meta.schema) result["$schema"] = meta.schema;
      childNodes(node).forEach(function (child) {
        const value = valueOf(child, false);
        if (value !== undefined) result[child.dataset.key] = value;
      });
      const empty = Object.keys(result).length === 0;
      if (empty && !inList && node.dataset.required !== "1" && node.dataset.optional !== "1") return undefined;
      return result;
    }
    if (kind === "array") {
      if (node.dataset.usingDefault === "1") return undefined;
      const items = childNodes(node).map(function (child) {
        const value = valueOf(child, true);
        return value === undefined ? null : value;
      });
      if (items.length === 0 && node.dataset.required !== "1") return undefined;
      return items;
    }
    return leafValue(node);
  }

  function collect() {
    return valueOf(root, false);
  }

  // ---- showing problems -------------------------------------------------------------------------

  function nodeFor(place) {
    let path = place;
    while (path && path.startsWith("$")) {
      const found = root.querySelector('[data-path="' + CSS.escape(path) + '"]') || (path === "$" ? root : null);
      if (found) return { node: found, exact: path === place };
      const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
      if (cut <= 0) break;
      path = path.slice(0, cut);
    }
    return null;
  }

  // Where a message belongs, in the words of the form: "Parter › Part 2 › Organisationsnummer", never a JSON path.
  function placeText(place) {
    const hit = place ? nodeFor(place) : null;
    if (!hit || hit.node === root) return "";
    const parts = [];
    let node = hit.node;
    while (node && node !== root) {
      const item = node.parentElement && node.parentElement.classList.contains("item") ? node.parentElement : null;
      if (item) {
        parts.unshift((node.dataset.title || "Rad") + " " + item.querySelector(".item-num").textContent);
        node = parentNode(node); // the list itself: its row already says what it is
      } else if (node.dataset.title) {
        parts.unshift(node.dataset.title);
      }
      node = node ? parentNode(node) : null;
    }
    return parts.join(" › ");
  }

  function sectionOf(node) {
    const section = node.closest("section.section");
    return section ? section.id.replace("avsnitt-", "") : "";
  }

  // A field the user has not reached yet, in a new agreement or a row just added, is not marked wrong for
  // being empty: those problems are counted as "att fylla i" until the next save. Everything else shows at once.
  function deferred(problem, hit) {
    if (!hit || !hit.exact || hit.node === root) return false;
    if (showAll && !hit.node.closest("[data-fresh]")) return false;
    if (hit.node.querySelector("[data-touched]") || hit.node.dataset.touched) return false;
    const value = valueOf(hit.node, false);
    return value === undefined || (Array.isArray(value) && value.length === 0);
  }

  let nextNeeded = [];

  // "Nästa obligatoriska fält": to the first required field still empty, opening a part switched off.
  function goToNeeded() {
    const node = nextNeeded.find(function (n) { return document.contains(n); });
    if (!node) return;
    const optional = node.closest('.node.obj[data-optional="1"][data-include="0"]');
    if (optional) {
      const box = optional.querySelector(":scope > label.include .include-box");
      box.checked = true;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
    const input = node.querySelector(".input, .include-box, button.add, button.std-list-edit");
    node.scrollIntoView({ block: "center" });
    if (input) input.focus();
  }

  function clearProblems() {
    document.querySelectorAll(".msgs").forEach(function (m) { m.replaceChildren(); });
    document.querySelectorAll(".has-fel, .has-varning").forEach(function (n) { n.classList.remove("has-fel", "has-varning"); });
    root.querySelectorAll(".needed").forEach(function (n) { n.classList.remove("needed"); });
    root.querySelectorAll('.input[aria-invalid="true"]').forEach(function (input) { input.removeAttribute("aria-invalid"); });
  }

  // A message beside its field, which is marked (and its input announced as invalid for an error).
  function showAt(target, p) {
    const box = target.querySelector(":scope > .msgs");
    const line = document.createElement("p");
    line.className = "msg " + p.allvar;
    line.textContent = p.meddelande;
    box.appendChild(line);
    target.classList.add(p.allvar === "fel" ? "has-fel" : "has-varning");
    const own = p.allvar === "fel" ? target.querySelector(":scope > .control > .input, :scope > .input") : null;
    if (own) own.setAttribute("aria-invalid", "true");
  }

  // Messages that belong to no field shown: in one list at the top, each with its place in the form's words.
  function showGeneral(general) {
    const list = document.getElementById("problem-list");
    list.replaceChildren();
    general.forEach(function (p) {
      const li = document.createElement("li");
      li.className = p.allvar;
      const where = placeText(p.plats);
      li.textContent = (where ? where + ": " : "") + p.meddelande;
      list.appendChild(li);
    });
    document.getElementById("general").hidden = general.length === 0;
  }

  function showCounts(counts, errors, warnings, todo, needed) {
    document.querySelectorAll("[data-count-for]").forEach(function (el) {
      const c = counts[el.dataset.countFor];
      const parts = [];
      if (c && c.fel) parts.push(c.fel + " fel");
      if (c && c.varning) parts.push(c.varning + (c.varning === 1 ? " varning" : " varningar"));
      if (c && c.kvar) parts.push(c.kvar + " kvar att fylla i");
      el.textContent = parts.join(", ");
      el.className = "toc-count" + (c && c.fel ? " fel" : c && c.varning ? " varning" : c && c.kvar ? " kvar" : "");
    });
    const countsEl = document.getElementById("counts");
    const summary = [];
    if (errors) summary.push(errors + " fel");
    if (warnings) summary.push(warnings + (warnings === 1 ? " varning" : " varningar"));
    if (todo) summary.push(todo + (todo === 1 ? " obligatoriskt fält" : " obligatoriska fält") + " kvar att fylla i");
    countsEl.textContent = summary.length ? summary.join(", ") : "Inga fel";
    const next = document.getElementById("next-needed");
    next.hidden = needed.length === 0;
    nextNeeded = needed;
    countsEl.className = "counts " + (errors ? "fel" : warnings ? "varning" : todo ? "kvar" : "ok");
  }

  function showProblems(problems) {
    clearProblems();
    const needed = [];
    const general = [];
    const counts = {};
    let errors = 0;
    let warnings = 0;
    let todo = 0;
    document.querySelectorAll(".node.kind-json").forEach(function (n) {
      if (n.dataset.jsonError === "1") {
        problems = problems.concat([{ plats: n.dataset.path, meddelande: "ogiltig JSON; skriv ett JSON-värde, till exempel \"text\" eller 12", allvar: "fel" }]);
      }
    });
    problems.forEach(function (p) {
      const hit = p.plats ? nodeFor(p.plats) : null;
      const target = hit && hit.node !== root ? hit.node : null;
      const section = target ? sectionOf(target) : "";
      counts[section] = counts[section] || { fel: 0, varning: 0, kvar: 0 };
      if (deferred(p, hit)) {
        todo++;
        counts[section].kvar++;
        // Required now (by the schema for this kind, or by a rule: Underbiträden once a party is personuppgiftsbiträde).
        if (target && !target.closest("[data-unused]")) { target.classList.add("needed"); needed.push(target); }
        return;
      }
      if (p.allvar === "fel") errors++; else warnings++;
      if (!target || target.closest("[data-unused]")) { general.push(p); return; }
      showAt(target, p);
      counts[section][p.allvar === "fel" ? "fel" : "varning"]++;
    });
    showGeneral(general);
    showCounts(counts, errors, warnings, todo, needed);
  }

  // ---- talking to the server --------------------------------------------------------------------

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    let json = {};
    try { json = await response.json(); } catch (e) { json = { meddelande: "Oväntat svar från servern (" + response.status + ")." }; }
    return { status: response.status, ok: response.ok, json: json };
  }

  function scheduleCheck() {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, 350);
  }

  async function check() {
    const seq = ++checkSeq;
    assignPaths(root, "$");
    let result;
    try {
      result = await post("/api/kontrollera", { data: collect(), fil: meta.fil });
    } catch (e) {
      setStatus("Servern svarar inte; det du har skrivit finns kvar i formuläret.", "fel");
      return;
    }
    if (seq !== checkSeq) return; // a later check is on its way
    showProblems(result.json.problem || []);
  }

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = "status " + (kind || "");
  }

  // ---- work not lost: unsaved changes kept in this browser ------------------------------------------

  function draftKey() {
    return "avtal-utkast:" + location.port + ":" + (meta.fil || "nytt:" + currentKind());
  }

  let draftTimer = null;
  function keepDraft() {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(function () {
      try {
        localStorage.setItem(draftKey(), JSON.stringify({ data: collect(), fil: meta.fil, version: meta.version, tid: new Date().toISOString() }));
      } catch (e) { /* storage full or off: the form still works, only without the local copy */ }
    }, 300);
  }

  function dropDraft() {
    clearTimeout(draftTimer);
    try { localStorage.removeItem(draftKey()); } catch (e) { /* nothing kept */ }
  }

  function offerDraft() {
    let kept = null;
    try { kept = JSON.parse(localStorage.getItem(draftKey()) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.data) return;
    if (JSON.stringify(kept.data) === JSON.stringify(collect())) { dropDraft(); return; }
    const when = new Date(kept.tid).toLocaleString("sv-SE", { dateStyle: "short", timeStyle: "short" });
    document.getElementById("draft-text").textContent = "Du har osparade ändringar i det här avtalet från " + when +
      ", kvar i webbläsaren. Fortsätt med dem, eller släng dem och arbeta med filen som den är sparad.";
    const formEl = document.getElementById("draft-form");
    formEl.elements.data.value = JSON.stringify(kept.data);
    formEl.elements.fil.value = kept.fil || "";
    formEl.elements.version.value = kept.version || "";
    document.getElementById("draft").hidden = false;
  }

  function markDirty() {
    if (!dirty) {
      dirty = true;
      setStatus("Osparade ändringar", "dirty");
    }
    keepDraft();
    scheduleCheck();
  }

  function showConflict(text) {
    document.getElementById("conflict-text").textContent = text;
    const link = document.getElementById("open-disk");
    link.hidden = !meta.fil;
    if (meta.fil) link.href = "/avtal/" + encodeURIComponent(meta.fil);
    document.getElementById("conflict").hidden = false;
    document.getElementById("conflict").scrollIntoView({ block: "start" });
  }

  async function save(overwrite) {
    assignPaths(root, "$");
    const dropped = droppedParts();
    if (dropped.length && !window.confirm(droppedText(dropped) + "\n\nSpara ändå?")) {
      setStatus("Inte sparat", "dirty");
      return false;
    }
    showAll = true;
    root.querySelectorAll("[data-fresh]").forEach(function (n) { delete n.dataset.fresh; });
    let result;
    try {
      result = await post("/api/spara", { data: collect(), fil: meta.fil, version: meta.version, skriv_over: overwrite === true });
    } catch (e) {
      setStatus("Servern svarar inte: inget sparades. Det du har skrivit finns kvar i formuläret.", "fel");
      return false;
    }
    if (result.status === 409) {
      showConflict(result.json.meddelande + ". Inget har sparats; det du har skrivit finns kvar i formuläret.");
      setStatus("Inte sparat: filen har ändrats på disken", "fel");
      return false;
    }
    if (!result.ok) {
      showProblems(result.json.problem || []);
      setStatus((result.json.meddelande || "Avtalet sparades inte.") + " Se meddelandena i formuläret.", "fel");
      return false;
    }
    document.getElementById("conflict").hidden = true;
    const before = draftKey();
    try { localStorage.removeItem(before); } catch (e) { /* nothing kept */ }
    // Saved: a party id made from the name stays as it is now, whatever the name becomes.
    root.querySelectorAll('[data-auto="1"]').forEach(function (input) { input.dataset.auto = "0"; });
    meta.fil = result.json.id;
    meta.version = result.json.version;
    dirty = false;
    dropDraft();
    updateRemoveLink();
    history.replaceState(null, "", "/avtal/" + encodeURIComponent(result.json.id));
    const problems = result.json.problem || [];
    showProblems(problems);
    const errors = problems.filter(function (p) { return p.allvar === "fel"; }).length;
    const time = new Date().toLocaleTimeString("sv-SE", { hour: "2-digit", minute: "2-digit" });
    const renamed = result.json.renamed_from ? " (hette " + result.json.renamed_from + ".json)" : "";
    const left = dropped.length ? " utan " + listText(dropped.map(titleOf)) : "";
    dropped.forEach(clearPart); // the form shows what the file holds: what was left out of it is gone now
    updateUnusedNotice();
    setStatus("Sparat " + time + " i " + result.json.file.split("/").pop() + renamed + left + (errors ? " – " + errors + " fel kvar, rätta dem innan du genererar" : ""), errors ? "varning" : "ok");
    return true;
  }

  // "Ta bort" leads to the server's confirmation page for the file as this page last saw it (its version).
  function updateRemoveLink() {
    const link = document.getElementById("remove");
    link.hidden = !meta.fil;
    if (meta.fil) link.href = "/avtal/" + encodeURIComponent(meta.fil) + "/ta-bort?version=" + encodeURIComponent(meta.version);
  }

  // Generating shows the steps the server reports as the run passes them (kontrollerar, gör, skriver, PDF N av M, klart),
  // and the form is locked while it runs so nothing typed meanwhile is lost or half-saved.
  function showSteps(steps) {
    const box = document.getElementById("progress");
    const list = document.getElementById("steps");
    box.hidden = steps === null;
    list.replaceChildren();
    (steps || []).forEach(function (step) {
      const li = document.createElement("li");
      li.dataset.step = step.steg;
      li.textContent = step.text;
      li.className = step.klar ? "done" : step.fel ? "failed" : "current";
      if (!step.klar && !step.fel) li.setAttribute("aria-current", "step");
      list.appendChild(li);
    });
  }

  const SAVING = { steg: "sparar", text: "Sparar avtalet", klar: false };

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // The run itself: started by POST, then its steps read until it is finished. A poll that fails is tried again a
  // few times (the run goes on on the server), then the page says so and where the documents will be.
  async function runJob(started) {
    let job = started.json;
    let misses = 0;
    while (job.tillstand === "pagar") {
      showSteps([Object.assign({}, SAVING, { klar: true })].concat(job.steg.length ? job.steg : [{ steg: "startar", text: "Startar", klar: false }]));
      await sleep(300);
      const response = await fetch(started.json.url, { credentials: "same-origin" });
      if (!response.ok) {
        if (++misses > 5) throw new Error("poll");
        continue;
      }
      misses = 0;
      job = await response.json();
    }
    const end = job.tillstand === "klar" ? { steg: "klart", text: "Klart: länkarna står nedan", klar: true }
      : { steg: "fel", text: "Dokumenten kunde inte göras", klar: false, fel: true };
    showSteps([Object.assign({}, SAVING, { klar: true })].concat(job.steg, [end]));
    return { status: 200, ok: job.tillstand === "klar", json: job };
  }

  function lockForm(locked) {
    root.inert = locked;
    ["save", "generate"].forEach(function (id) { document.getElementById(id).disabled = locked; });
    document.getElementById("form").setAttribute("aria-busy", locked ? "true" : "false");
  }

  async function generate() {
    showSteps([SAVING]);
    lockForm(true);
    let result;
    try {
      if ((dirty || !meta.fil) && !(await save(false))) { showSteps(null); return; }
      setStatus("Genererar dokumenten …", "");
      result = await post("/api/generera", { fil: meta.fil, version: meta.version });
      if (result.status === 202) result = await runJob(result);
      else showSteps(null);
    } catch (e) {
      showSteps(null);
      setStatus("Servern svarar inte. Dokumenten kan ändå bli gjorda: de hamnar i utdata/" + meta.fil + "/.", "fel");
      return;
    } finally {
      lockForm(false);
    }
    if (result.status === 409) {
      showConflict(result.json.meddelande);
      setStatus("Inte genererat", "fel");
      return;
    }
    const panel = document.getElementById("results");
    const docs = document.getElementById("documents");
    const frame = document.getElementById("pdf-view");
    panel.hidden = false;
    docs.replaceChildren();
    document.getElementById("results-text").textContent = result.json.meddelande || "";
    (result.json.dokument || []).forEach(function (d) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = d.url;
      a.textContent = d.etikett + " – " + d.namn;
      if (d.namn.endsWith(".docx")) a.setAttribute("download", "");
      else a.target = "_blank";
      li.appendChild(a);
      docs.appendChild(li);
    });
    const pdf = (result.json.dokument || []).find(function (d) { return d.namn === "avtal.pdf"; });
    frame.hidden = !pdf;
    if (pdf) frame.src = pdf.url + "?t=" + Date.now();
    if (result.ok) {
      setStatus("Dokumenten är genererade" + (pdf ? "" : meta.pdf ? "" : " (Word; PDF kräver LibreOffice)"), "ok");
      showProblems(result.json.problem || []);
    } else {
      showProblems(result.json.problem || []);
      setStatus("Dokumenten kunde inte göras; se meddelandena", "fel");
    }
    panel.scrollIntoView({ block: "start" });
  }

  // ---- the agreement's kind: what it requires and what it does not use ----------------------------

  // The server marks each field the kind rules of the schema make required (data-required-for) and each part
  // only some kinds use (data-used-by); choosing another kind switches these here, keeping what was typed.

  function kindInput() {
    return root.querySelector('[data-path="$.avtal.typ"] > .control > .input');
  }

  function currentKind() {
    const input = kindInput();
    return input ? input.value : "";
  }

  function kindName(kind) {
    return (meta.typer || {})[kind] || "den här avtalstypen";
  }

  function own(node, selector) {
    return node.querySelector(":scope > " + selector);
  }

  // Applies the chosen kind to every marked node in scope; addRows: a list that becomes required gets its rows.
  function applyKind(scope, addRows) {
    const kind = currentKind();
    const marked = Array.from(scope.querySelectorAll("[data-required-for], [data-used-by]"));
    if (scope.matches && scope.matches("[data-required-for], [data-used-by]")) marked.unshift(scope);
    marked.forEach(function (node) {
      if (node.dataset.requiredFor !== undefined) {
        const required = node.dataset.requiredAlways === "1" || node.dataset.requiredFor.split(" ").includes(kind);
        const was = node.dataset.required === "1";
        if (required) node.dataset.required = "1"; else delete node.dataset.required;
        const star = own(node, "label.title > .req") || own(node, ".node-head .req");
        if (star) star.hidden = !required;
        const tag = own(node, ".node-head .kind-tag");
        if (tag) {
          tag.hidden = !required;
          tag.querySelector(".kind-name").textContent = kindName(kind);
        }
        const box = own(node, "label.include");
        if (box) {
          const checkbox = box.querySelector(".include-box");
          if (required) checkbox.checked = true; // once shown as required, the part stays in when the kind changes again
          box.hidden = required;
          node.dataset.optional = required ? "0" : "1";
          node.dataset.include = checkbox.checked ? "1" : "0";
          own(node, ".children").hidden = !checkbox.checked;
        }
        if (addRows && required && !was && node.dataset.kind === "array" && node.dataset.usingDefault !== "1") {
          const wanted = Number(node.dataset.minItems || 0);
          while (own(node, ".items").children.length < wanted) addItem(node, false);
        }
      }
      if (node.dataset.usedBy !== undefined) {
        const used = kind === "" || node.dataset.usedBy.split(" ").includes(kind); // no kind chosen: nothing hidden
        node.hidden = !used;
        if (used) delete node.dataset.unused; else node.dataset.unused = "1";
        const section = node.parentElement;
        if (section && section.matches("section.section")) {
          section.hidden = !used;
          const entry = document.querySelector('.toc a[data-section="' + CSS.escape(node.dataset.key) + '"]');
          if (entry) entry.parentElement.hidden = !used;
        }
      }
    });
  }

  function titleOf(node) {
    return node.dataset.title || node.dataset.key;
  }

  function listText(words) {
    return words.length < 2 ? words.join("") : words.slice(0, -1).join(", ") + " och " + words[words.length - 1];
  }

  // Whether the user has written anything in a part (a standard list taken over counts; empty rows do not).
  function hasContent(node) {
    const taken = '.node.arr[data-has-default="1"][data-using-default="0"]';
    if (node.matches(taken) || node.querySelector(taken)) return true;
    if (node.querySelector(".remove-unknown")) return true;
    return Array.from(node.querySelectorAll(".input")).some(function (input) { return input.value.trim() !== ""; });
  }

  // Parts the chosen kind does not use but that hold something: a save leaves them out of the file.
  function droppedParts() {
    return Array.from(root.querySelectorAll('[data-unused="1"]')).filter(function (node) {
      return !(node.parentElement && node.parentElement.closest('[data-unused="1"]')) && hasContent(node);
    });
  }

  function droppedText(dropped) {
    const titles = listText(dropped.map(titleOf));
    const kind = currentKind();
    return (dropped.length === 1 ? "Avsnittet " + titles + " används inte" : "Avsnitten " + titles + " används inte") +
      " i " + kindName(kind) + " och kommer inte med i filen när du sparar." +
      " Det du har skrivit där finns kvar i formuläret tills du sparar; välj en annan avtalstyp om du vill behålla det.";
  }

  function updateUnusedNotice() {
    const dropped = droppedParts();
    document.getElementById("unused").hidden = dropped.length === 0;
    document.getElementById("unused-text").textContent = dropped.length ? droppedText(dropped) : "";
  }

  // Empties a part, as a new agreement has it: rows removed, standard lists and texts back, fields blank.
  function clearPart(node) {
    const lists = Array.from(node.querySelectorAll(".node.arr"));
    if (node.matches(".node.arr")) lists.unshift(node);
    lists.forEach(function (list) {
      if (!node.contains(list)) return; // inside a row removed already
      if (list.dataset.hasDefault === "1") useStandardList(list, false);
      else own(list, ".items").replaceChildren();
    });
    node.querySelectorAll(".remove-unknown").forEach(function (button) { button.closest(".node").remove(); });
    node.querySelectorAll(".input").forEach(function (input) {
      input.value = "";
      if (input.classList.contains("grow")) grow(input);
    });
    node.querySelectorAll(".node.leaf > .std").forEach(function (std) { std.hidden = false; });
    node.querySelectorAll("[data-touched]").forEach(function (n) { delete n.dataset.touched; });
    const switches = Array.from(node.querySelectorAll('.node.obj[data-optional]'));
    if (node.matches('.node.obj[data-optional]')) switches.unshift(node);
    switches.forEach(function (obj) {
      if (obj.dataset.optional !== "1") return;
      own(obj, "label.include").querySelector(".include-box").checked = false;
      obj.dataset.include = "0";
      own(obj, ".children").hidden = true;
    });
  }

  // ---- lists, defaults, optional parts ----------------------------------------------------------

  function prepare(scope) {
    scope.querySelectorAll("textarea.grow").forEach(grow);
    scope.querySelectorAll(".node.leaf").forEach(function (leaf) {
      const input = leaf.querySelector(":scope > .control > .input, :scope > .input");
      const label = leaf.querySelector(":scope > label.title");
      if (!input) return;
      input.id = "f" + (++idCounter);
      if (label) label.htmlFor = input.id;
      const hint = leaf.querySelector(":scope > .control > .hint");
      if (hint && !hint.id) hint.id = "h" + idCounter;
      const desc = leaf.querySelector(":scope > .desc");
      const msgs = leaf.querySelector(":scope > .msgs");
      if (desc && !desc.id) desc.id = "d" + idCounter;
      if (msgs && !msgs.id) msgs.id = "m" + idCounter;
      input.setAttribute("aria-describedby", [desc && desc.id, hint && hint.id, msgs && msgs.id].filter(Boolean).join(" "));
    });
  }

  // Follow-up questions only when they apply: in a part with a yes/no switch "forekommer" (känsliga
  // personuppgifter, tredjeland, extern delegering) the other fields show only while the switch says Ja.
  function applySwitches() {
    root.querySelectorAll('.node.leaf.kind-bool[data-key="forekommer"]').forEach(function (leaf) {
      const input = leaf.querySelector(":scope > .control > .input");
      const children = leaf.parentElement;
      const yes = input.value === "true";
      Array.from(children.children).forEach(function (sibling) {
        if (sibling !== leaf && sibling.classList.contains("node")) sibling.classList.toggle("follow-up-hidden", !yes);
      });
    });
  }

  // Required fields say so to assistive technology too; the skip link leads to the first field shown.
  function markRequired() {
    root.querySelectorAll(".node.leaf").forEach(function (leaf) {
      const input = leaf.querySelector(":scope > .control > .input, :scope > .input");
      if (input) input.setAttribute("aria-required", leaf.dataset.required === "1" ? "true" : "false");
    });
    const first = Array.from(root.querySelectorAll(".node.leaf .input")).find(function (input) { return !input.closest("[hidden]"); });
    const skip = document.querySelector(".skip");
    if (first && skip) skip.href = "#" + first.id;
  }

  function grow(textarea) {
    textarea.style.height = "auto";
    textarea.style.height = textarea.scrollHeight + 2 + "px";
  }

  // ---- parties by name ------------------------------------------------------------------------------
  // Every reference to a party (utförare, mottagare, betalande, …) is a list of the parties entered, shown by
  // name. A new party's id is made from its name (until the first save or an id typed by hand; then it stays
  // as it is when the name changes); when an id changes, every reference to the old id follows it.

  function partyRows() {
    return Array.from(root.querySelectorAll('[data-path^="$.parter["][data-key="id"]')).filter(function (node) {
      return /^\$\.parter\[\d+\]\.id$/.test(node.dataset.path);
    }).map(function (idNode) {
      const row = idNode.parentElement.closest(".node");
      const name = row.querySelector(':scope > .children > [data-key="namn"] .input');
      return { id: idNode.querySelector(".input"), name: name };
    });
  }

  function slug(name) {
    return name.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "").slice(0, 80).replace(/-+$/, "");
  }

  function renameReferences(from, to) {
    if (!from || from === to) return;
    root.querySelectorAll("select.ref").forEach(function (select) {
      Array.from(select.options).forEach(function (option) { if (option.value === from) option.value = to; });
    });
  }

  function updatePartyIds() {
    const parties = partyRows();
    parties.forEach(function (party) {
      if (!party.name) return;
      const auto = party.id.dataset.auto === "1" || (party.id.value === "" && party.id.dataset.auto !== "0");
      if (!auto) return;
      const wanted = slug(party.name.value);
      if (wanted !== party.id.value) {
        renameReferences(party.id.value, wanted);
        party.id.value = wanted;
      }
      party.id.dataset.auto = "1";
    });
    const choices = parties.filter(function (party) { return party.id.value; }).map(function (party) {
      return { id: party.id.value, name: (party.name && party.name.value.trim()) || party.id.value };
    });
    root.querySelectorAll("select.ref").forEach(function (select) {
      const current = select.value;
      const first = select.options[0];
      select.replaceChildren(first);
      choices.forEach(function (choice) {
        const option = document.createElement("option");
        option.value = choice.id;
        option.textContent = choice.name;
        select.appendChild(option);
      });
      if (current && !choices.some(function (choice) { return choice.id === current; })) {
        const unknown = document.createElement("option"); // a reference to no party entered: kept, and the check says so
        unknown.value = current;
        unknown.textContent = current + " (ingen sådan part)";
        select.appendChild(unknown);
      }
      select.value = current;
    });
  }

  // A party id typed by hand stops following the name; the references follow the id as it changes.
  root.addEventListener("focusin", function (event) {
    const target = event.target;
    if (target.matches && target.matches('[data-key="id"] > .control > .input') && /^\$\.parter\[\d+\]\.id$/.test(target.closest(".node").dataset.path)) {
      target.dataset.before = target.value;
    }
  });
  root.addEventListener("input", function (event) {
    const target = event.target;
    if (target.dataset && target.dataset.before !== undefined) {
      target.dataset.auto = "0";
      renameReferences(target.dataset.before, target.value);
      target.dataset.before = target.value;
    }
  }, true);

  function updateItemNames() {
    root.querySelectorAll(".item").forEach(function (item) {
      const first = item.querySelector(':scope > .node [data-key="namn"] .input, :scope > .node [data-key="titel"] .input, :scope > .node [data-key="beskrivning"] .input');
      const name = item.querySelector(":scope > .item-bar .item-name");
      const text = first ? first.value.trim() : "";
      name.textContent = text ? " – " + (text.length > 70 ? text.slice(0, 67) + "…" : text) : "";
      // Each row's buttons say which row they act on: "Ta bort part 2: Fjällvikens kommun".
      const row = (item.querySelector(":scope > .item-bar .item-title").firstChild.textContent.trim() + " " +
        item.querySelector(":scope > .item-bar .item-num").textContent).toLowerCase() + (text ? ": " + text : "");
      [["up", "Flytta upp "], ["down", "Flytta ned "], ["remove", "Ta bort "]].forEach(function (pair) {
        const button = item.querySelector(":scope > .item-bar ." + pair[0]);
        if (button) button.setAttribute("aria-label", pair[1] + row);
      });
    });
    document.getElementById("doc-title").textContent = (root.querySelector('[data-path="$.avtal.titel"] .input') || {}).value || "Nytt avtal";
  }

  function addItem(arrayNode, focus) {
    const template = arrayNode.querySelector(":scope > template.item-template");
    const fragment = template.content.cloneNode(true);
    const item = fragment.querySelector(".item");
    item.dataset.fresh = "1";
    arrayNode.querySelector(":scope > .items").appendChild(fragment);
    applyKind(item, false);
    prepare(item);
    markRequired();
    updatePartyIds(); // a new row's party lists offer the parties entered
    assignPaths(root, "$");
    if (focus) {
      const input = item.querySelector(".input");
      if (input) input.focus();
    }
    return item;
  }

  function useStandardList(arrayNode, edit) {
    const std = arrayNode.querySelector(":scope > .std-list");
    const items = arrayNode.querySelector(":scope > .items");
    const actions = arrayNode.querySelector(":scope > .list-actions");
    if (edit) {
      arrayNode.dataset.usingDefault = "0";
      std.hidden = true;
      items.hidden = false;
      actions.hidden = false;
      if (items.children.length === 0) {
        std.querySelectorAll("li").forEach(function (li) {
          const item = addItem(arrayNode, false);
          const input = item.querySelector(".input");
          input.value = li.textContent;
          if (input.classList.contains("grow")) grow(input);
        });
      }
    } else {
      arrayNode.dataset.usingDefault = "1";
      items.replaceChildren();
      std.hidden = false;
      items.hidden = true;
      actions.hidden = true;
    }
    assignPaths(root, "$");
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("button");
    if (!button || !root.contains(button)) return;
    const item = button.closest(".item");
    if (button.classList.contains("add")) {
      addItem(button.closest(".node.arr"), true);
    } else if (button.classList.contains("remove") && item) {
      item.remove();
    } else if (button.classList.contains("up") && item && item.previousElementSibling) {
      item.parentElement.insertBefore(item, item.previousElementSibling);
      button.focus();
    } else if (button.classList.contains("down") && item && item.nextElementSibling) {
      item.parentElement.insertBefore(item.nextElementSibling, item);
      button.focus();
    } else if (button.classList.contains("std-edit")) {
      const leaf = button.closest(".node.leaf");
      const input = leaf.querySelector(".input");
      input.value = leaf.querySelector(".std-text").textContent;
      button.closest(".std").hidden = true;
      grow(input);
      input.focus();
    } else if (button.classList.contains("pick-date")) {
      const control = button.closest(".control");
      const picker = control.querySelector(".date-picker");
      picker.value = parseDate(control.querySelector(".input").value) || "";
      try { picker.showPicker(); } catch (e) { picker.focus(); }
      return;
    } else if (button.classList.contains("std-list-edit")) {
      useStandardList(button.closest(".node.arr"), true);
    } else if (button.classList.contains("std-list-reset")) {
      useStandardList(button.closest(".node.arr"), false);
    } else if (button.classList.contains("remove-unknown")) {
      button.closest(".node").remove();
    } else {
      return;
    }
    assignPaths(root, "$");
    updateItemNames();
    markDirty();
  });

  root.addEventListener("change", function (event) {
    const box = event.target;
    if (box.classList.contains("date-picker")) { // a day chosen in the calendar goes into the text field
      const input = box.closest(".control").querySelector(".input");
      input.value = box.value;
      touch(input);
      markDirty();
      return;
    }
    touch(box);
    if (box.classList.contains("include-box")) {
      const node = box.closest(".node.obj");
      node.dataset.include = box.checked ? "1" : "0";
      node.querySelector(":scope > .children").hidden = !box.checked;
    }
    if (box.closest && box.closest('.node.leaf.kind-bool[data-key="forekommer"]')) applySwitches();
    if (box === kindInput()) {
      applyKind(root, true);
      markRequired();
      assignPaths(root, "$");
      updateItemNames();
    }
    updateUnusedNotice();
    markDirty();
  });

  function touch(target) {
    const leaf = target.closest ? target.closest(".node.leaf") : null;
    if (leaf) leaf.dataset.touched = "1";
  }

  root.addEventListener("input", function (event) {
    const target = event.target;
    touch(target);
    if (target.classList.contains("grow")) grow(target);
    const leaf = target.closest(".node.leaf");
    const std = leaf ? leaf.querySelector(":scope > .std") : null;
    if (std) std.hidden = target.value !== "";
    updateItemNames();
    updatePartyIds();
    markDirty();
  });

  root.addEventListener("focusout", function (event) {
    const target = event.target;
    const leaf = target.closest ? target.closest(".node.leaf") : null;
    if (leaf && (leaf.dataset.kind === "integer" || leaf.dataset.kind === "number")) formatNumber(target, leaf.dataset.kind === "integer");
    if (leaf && leaf.dataset.key === "organisationsnummer") target.value = formatOrganisationNumber(target.value);
    if (leaf && leaf.dataset.kind === "date" && target.classList.contains("date")) {
      const iso = parseDate(target.value);
      if (iso && iso !== target.value) target.value = iso;
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.querySelector(".brand").addEventListener("click", function (event) {
    if (dirty && !window.confirm("Du har osparade ändringar. Lämna formuläret utan att spara?")) event.preventDefault();
    else dirty = false;
  });

  document.getElementById("remove").addEventListener("click", function (event) {
    if (dirty && !window.confirm("Du har osparade ändringar. Gå vidare till borttagningen utan att spara dem?")) event.preventDefault();
    else dirty = false;
  });
  document.getElementById("draft-discard").addEventListener("click", function () {
    dropDraft();
    document.getElementById("draft").hidden = true;
  });
  document.getElementById("draft-form").addEventListener("submit", function () { dirty = false; });
  // Back or Forward to a page kept in the browser's memory: it still knows its unsaved changes.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && dirty) setStatus("Osparade ändringar", "dirty");
  });
  document.getElementById("next-needed").addEventListener("click", goToNeeded);
  document.getElementById("save").addEventListener("click", function () { save(false); });
  document.getElementById("generate").addEventListener("click", generate);
  document.getElementById("overwrite").addEventListener("click", function () { save(true); });
  document.getElementById("conflict-close").addEventListener("click", function () { document.getElementById("conflict").hidden = true; });
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      save(false);
    }
  });

  prepare(document);
  assignPaths(root, "$");
  applyKind(root, false);
  applySwitches();
  markRequired();
  updateUnusedNotice();
  updateItemNames();
  updatePartyIds();
  showProblems(JSON.parse(document.getElementById("initial-problems").textContent));
  if (meta.aterstallt) {
    dirty = true;
    setStatus("Osparade ändringar (återställda från webbläsaren)", "dirty");
  } else {
    offerDraft();
  }
  check(); // the server checked the file; this checks what the form will save, which is what counts from now on
  document.body.dataset.ready = "1";
})();
