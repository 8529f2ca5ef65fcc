"use strict";
// The reviewer's page. Everything it shows comes from the JSON in <script id="data">; page
// images are files beside this page (pages/), loaded lazily. In review mode (served by
// `redactor review` on 127.0.0.1) decisions are sent to the local server, which writes them
// to the plan. Nothing here reaches the network.
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const R = D.review || null;            // {token, exemptions:[...], reviewer}
  const app = document.getElementById("app");
  const items = [];                      // every finding of the set, in document/page order
  const byKey = new Map();               // "d1:r3" -> item
  const nodes = new Map();               // key -> [elements showing it]
  let visible = [];                      // items passing the filters, in order
  let current = -1;                      // index into visible

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
      else if (k === "style") e.style.cssText = v; else e.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  const colour = (it) => !isWithheld(it) && it.kind === "kept" ? D.kept_colour : (D.colours[it.exemptions[0]] || "#d62728");
  const alpha = (hex, a) => {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
  };
  const withToken = (src) => R ? src + (src.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(R.token) : src;
  const statusOf = (it) => it.status || (it.kind === "kept" ? "kept" : "proposed");
  const isWithheld = (it) => (it.kind === "redaction" && statusOf(it) !== "rejected") || statusOf(it) === "withhold";

  for (const d of D.documents) for (const it of d.items) {
    it.doc = d; it.key = d.id + ":" + it.id;
    items.push(it); byKey.set(it.key, it); nodes.set(it.key, []);
  }
  items.sort((a, b) => (D.documents.indexOf(a.doc) - D.documents.indexOf(b.doc)) || (a.page - b.page) ||
    (a.start - b.start) || a.id.localeCompare(b.id));

  // ---------------------------------------------------------------- header, chart, filters
  function counts() {
    const by = {};
    for (const it of items) if (isWithheld(it)) for (const c of it.exemptions) by[c] = (by[c] || 0) + 1;
    return by;
  }
  function chart() {
    const by = counts(), codes = Object.keys(by).sort();
    const ns = "http://www.w3.org/2000/svg", max = Math.max(1, ...codes.map(c => by[c]));
    const rowH = 18, w = 360, h = Math.max(1, codes.length) * rowH + 4;
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", w); svg.setAttribute("height", h); svg.setAttribute("id", "chart");
    svg.setAttribute("role", "img"); svg.setAttribute("aria-label", "redactions by exemption");
    codes.forEach((c, i) => {
      const y = i * rowH + 2, bw = Math.max(2, Math.round((w - 170) * by[c] / max));
      const t = document.createElementNS(ns, "text");
      t.setAttribute("x", 0); t.setAttribute("y", y + 13); t.setAttribute("font-size", "12"); t.textContent = c;
      const r = document.createElementNS(ns, "rect");
      r.setAttribute("x", 110); r.setAttribute("y", y + 2); r.setAttribute("width", bw); r.setAttribute("height", rowH - 5);
      r.setAttribute("fill", D.colours[c] || "#d62728"); r.setAttribute("class", "bar"); r.setAttribute("data-code", c);
      const n = document.createElementNS(ns, "text");
      n.setAttribute("x", 114 + bw); n.setAttribute("y", y + 13); n.setAttribute("font-size", "12"); n.textContent = by[c];
      svg.append(t, r, n);
    });
    return svg;
  }
  const pageCount = D.documents.reduce((n, d) => n + d.pages.length, 0);
  const redCount = () => items.filter(isWithheld).length;
  const header = el("header", {id: "top"},
    el("h1", {text: (R ? "Review" : "Review report") + ": " + D.documents.length + " document(s), " + pageCount +
      " page(s)"}),
    el("div", {class: "meta", text: "policy " + (D.policy.name || "") + (D.policy.title ? " (" + D.policy.title + ")" : "") +
      " \u00b7 " + D.created + " \u00b7 boxes coloured by exemption; dashed grey: kept (released) findings"}),
    el("div", {id: "stats"}));
  const filters = el("div", {id: "filters"});
  header.append(filters);
  function drawStats() {
    const stats = header.querySelector("#stats");
    stats.replaceChildren(
      el("table", null,
        el("tr", null, el("th", {text: "Withheld"}), el("td", {id: "n-withheld", text: String(redCount())})),
        el("tr", null, el("th", {text: "Kept findings"}), el("td", {text: String(items.filter(i => i.kind === "kept").length)})),
        el("tr", null, el("th", {text: "Needs review"}), el("td", {text: String(items.filter(i => i.needs_review).length)})),
        el("tr", null, el("th", {text: "Rejected"}), el("td", {text: String(items.filter(i => statusOf(i) === "rejected").length)}))),
      chart());
  }

  const exCodes = Object.keys(D.colours).sort();
  const entities = [...new Set(items.map(i => i.entity))].sort();
  const statuses = R ? ["proposed", "accepted", "rejected", "added", "kept", "withhold"] : [...new Set(items.map(statusOf))].sort();
  const PALETTE = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#843c39", "#7b4173"];
  const exBoxes = [];
  function ensureCode(c) {  // a code first used by a reviewer gets a colour and a filter
    if (exBoxes.find(b => b.dataset.code === c)) return;
    if (!D.colours[c]) D.colours[c] = PALETTE[Object.keys(D.colours).length % PALETTE.length];
    const cb = el("input", {type: "checkbox", checked: true, "data-code": c, class: "f-ex"});
    cb.addEventListener("change", () => renderList());
    const label = el("label", null, cb, el("span", {class: "chip", style: "background:" + D.colours[c]}), c);
    const kept = filters.querySelector("#f-kept");
    if (kept) filters.insertBefore(label, kept.parentNode); else filters.append(label);
    exBoxes.push(cb);
  }
  exCodes.forEach(ensureCode);
  const keptBox = el("input", {type: "checkbox", checked: true, id: "f-kept"});
  filters.append(el("label", null, keptBox, el("span", {class: "chip", style: "border:2px dashed " + D.kept_colour}), "kept"));
  const entSel = el("select", {id: "f-entity"}, el("option", {value: "", text: "all entities"}),
    ...entities.map(e => el("option", {value: e, text: e})));
  const stSel = el("select", {id: "f-status"}, el("option", {value: "", text: "any status"}),
    ...statuses.map(s => el("option", {value: s, text: s})));
  const nrBox = el("input", {type: "checkbox", id: "f-review"});
  filters.append(entSel, stSel, el("label", null, nrBox, "needs review only"),
    el("span", {class: "hint"}, "keys: ", el("kbd", {text: "j"}), "/", el("kbd", {text: "k"}),
      " next/previous finding", R ? " \u00b7 " : "", R ? el("kbd", {text: "a"}) : null, R ? " accept " : "",
      R ? el("kbd", {text: "x"}) : null, R ? " reject " : "", R ? el("kbd", {text: "e"}) : null,
      R ? " exemption " : "", R ? el("kbd", {text: "/"}) : null, R ? " add by text " : "", R ? el("kbd", {text: "r"}) : null, R ? " draw a region" : ""));

  function passes(it) {
    if (it.kind === "kept" ? !keptBox.checked : !it.exemptions.some(c => exBoxes.find(b => b.dataset.code === c && b.checked)))
      return false;
    if (entSel.value && it.entity !== entSel.value) return false;
    if (stSel.value && statusOf(it) !== stSel.value) return false;
    if (nrBox.checked && !it.needs_review) return false;
    return true;
  }

  // ---------------------------------------------------------------- documents and pages
  const list = el("nav", {id: "list", "aria-label": "findings"});
  const docsEl = el("main", {id: "docs"});
  const detail = el("aside", {id: "detail"});
  app.append(header, el("div", {id: "layout"}, list, docsEl, detail));

  function boxEl(it, b, release) {
    const c = colour(it);
    const e = el("div", {class: (release ? "rbox" : "box") + " " + it.kind + " " + statusOf(it), "data-key": it.key,
      title: release ? null : (it.exemptions.join("; ") || "kept") + " \u00b7 " + it.entity,
      style: `left:${b[0] * 100}%;top:${b[1] * 100}%;width:${Math.max(b[2] * 100, .3)}%;height:${Math.max(b[3] * 100, .3)}%;` +
        `border-color:${c};background:${release ? "transparent" : alpha(c, .28)}`});
    if (!release) e.addEventListener("click", (ev) => { ev.stopPropagation(); select(it.key, false); });
    nodes.get(it.key).push(e);
    return e;
  }

  function sheet(d, p, which) {
    // Before apply there is no release copy: preview it as the original under opaque boxes.
    const preview = which === "red" && !p.red && D.preview && p.orig;
    const src = preview ? p.orig : p[which], px = preview ? p.orig_px : p[which + "_px"];
    const box = el("div", {class: "sheet " + which, "data-doc": d.id, "data-page": String(p.n)});
    const ratio = px ? px[0] / px[1] : (p.orig_px ? p.orig_px[0] / p.orig_px[1] : 0.7727);
    box.style.aspectRatio = String(ratio);
    if (src) box.append(el("img", {src: withToken(src), loading: "lazy", alt: (which === "orig" ? "original" : "release copy") +
      " page " + p.n, width: px[0], height: px[1], decoding: "async"}));
    else box.append(el("div", {class: "missing", text: which === "red" ? (d.output ? "release copy not rendered" :
      "no release copy (" + d.status + ")") : "original not rendered"}));
    const pageItems = itemsOn(d, p.n);
    for (const it of pageItems) {
      const boxes = which === "orig" ? (it.boxes || []) : (isWithheld(it) ? ((preview ? it.boxes : it.rboxes) || []) : []);
      for (const b of boxes) {
        const e = boxEl(it, b, which === "red");
        if (preview) { e.style.background = "#000"; e.classList.add("preview"); }
        box.append(e);
      }
    }
    if (preview) box.append(el("div", {class: "cap previewcap", text: "preview: boxes are placed exactly when the plan is applied"}));
    return box;
  }

  function textPane(d, p) {
    const t = p.text || "";
    const pageItems = itemsOn(d, p.n).filter(it => it.end > it.start);
    const cuts = new Set([0, t.length]);
    for (const it of pageItems) { cuts.add(Math.min(it.start, t.length)); cuts.add(Math.min(it.end, t.length)); }
    const pts = [...cuts].sort((a, b) => a - b);
    const pre = el("pre", {class: "text"});
    for (let i = 0; i + 1 < pts.length; i++) {
      const s = pts[i], e = pts[i + 1], seg = t.slice(s, e);
      const cover = pageItems.filter(it => it.start <= s && it.end >= e);
      if (!cover.length) { pre.append(seg); continue; }
      cover.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "redaction" ? -1 : 1) || (a.end - a.start) - (b.end - b.start));
      const it = cover[0], c = colour(it);
      const m = el("span", {class: "mk " + it.kind + " " + statusOf(it), "data-key": it.key, text: seg,
        style: `border-color:${c};background:${alpha(c, .22)}`});
      m.addEventListener("click", () => select(it.key, false));
      nodes.get(it.key).push(m);
      pre.append(m);
    }
    return pre;
  }

  let pageIndex = new Map();  // doc id -> page number -> items (built once per render)
  function itemsOn(d, n) {
    let byPage = pageIndex.get(d.id);
    if (!byPage) {
      byPage = new Map();
      for (const it of d.items) { if (!byPage.has(it.page)) byPage.set(it.page, []); byPage.get(it.page).push(it); }
      pageIndex.set(d.id, byPage);
    }
    return byPage.get(n) || [];
  }

  function renderDocs() {
    pageIndex = new Map();
    for (const k of nodes.keys()) nodes.set(k, []);
    const frag = document.createDocumentFragment();
    for (const d of D.documents) {
      const sec = el("section", {class: "doc", id: "doc-" + d.id},
        el("h2", {text: d.source}),
        el("div", null, el("span", {class: "status st-" + d.status, text: d.status}),
          " \u00b7 " + d.pages.length + " page(s) \u00b7 " + d.items.filter(isWithheld).length + " withheld, " +
          d.items.filter(i => i.kind === "kept").length + " kept" + (d.output ? " \u00b7 release copy " + d.output : "")));
      if (d.error) sec.append(el("p", {class: "flag", text: d.error}));
      if (d.withheld_document) sec.append(el("p", {class: "flag", text: "Withheld in full under " + d.withheld_document}));
      for (const n of d.render_notes || []) sec.append(el("p", {class: "hint", text: n}));
      for (const p of d.pages) {
        const withheld = (d.withheld_pages || []).includes(p.n);
        const head = el("h3", {id: `${d.id}-p${p.n}`, text: "Page " + p.n + (p.label ? " \u00b7 " + p.label : "") +
          (withheld ? " \u00b7 withheld in full" : "")});
        let left, right;
        if (d.format === "pdf") { left = sheet(d, p, "orig"); right = sheet(d, p, "red"); }
        else if (p.text !== null && p.text !== undefined) {
          left = textPane(d, p);
          right = el("pre", {class: "text release", text: d.output || p.red_text ? (p.red_text || "") : "no release copy (" + d.status + ")"});
        } else { left = el("p", {class: "hint", text: "text not available"}); right = el("p"); }
        sec.append(el("div", {class: "page"}, head, el("div", {class: "pair"},
          el("div", {class: "pane"}, el("div", {class: "cap", text: "original"}), left),
          el("div", {class: "pane"}, el("div", {class: "cap", text: "release copy"}), right))));
      }
      frag.append(sec);
    }
    docsEl.replaceChildren(frag);
  }

  // ---------------------------------------------------------------- list, selection, detail
  function shortName(d) {
    const base = (d.relpath || d.source).split(/[\\/]/).pop();
    return base.length > 16 ? base.slice(0, 7) + "\u2026" + base.slice(-8) : base;
  }

  function renderList() {
    const keep = current >= 0 && visible[current] ? visible[current].key : null;
    visible = items.filter(passes);
    const frag = document.createDocumentFragment();
    for (const it of visible) {
      const row = el("div", {class: "row " + statusOf(it), "data-key": it.key, role: "button", tabindex: "-1"},
        el("span", {class: "chip", style: it.kind === "kept" ? "border:2px dashed " + D.kept_colour : "background:" + colour(it)}),
        el("span", {class: "where", title: it.doc.source, text: shortName(it.doc) + " p" + it.page}),
        el("span", {class: "what", text: (isWithheld(it) ? it.exemptions.join("; ") : "kept") + " " + it.entity_label}),
        it.needs_review ? el("span", {class: "flag", title: "needs review", text: "!"}) : null);
      row.addEventListener("click", () => select(it.key, true));
      frag.append(row);
    }
    list.replaceChildren(frag);
    const shown = new Set(visible.map(i => i.key));
    for (const [k, els] of nodes) for (const e of els) e.classList.toggle("dim", !shown.has(k));
    current = keep ? visible.findIndex(i => i.key === keep) : -1;
    if (current >= 0) mark(visible[current].key);
  }

  function mark(key) {
    for (const e of document.querySelectorAll(".sel")) e.classList.remove("sel");
    for (const e of nodes.get(key) || []) e.classList.add("sel");
    const row = list.querySelector(`.row[data-key="${CSS.escape(key)}"]`);
    if (row) { row.classList.add("sel"); row.scrollIntoView({block: "nearest"}); }
  }

  function select(key, scroll) {
    const it = byKey.get(key);
    if (!it) return;
    current = visible.findIndex(i => i.key === key);
    mark(key);
    const first = (nodes.get(key) || [])[0];
    if (scroll && first) first.scrollIntoView({block: "center"});
    showDetail(it);
    if (history.replaceState) history.replaceState(null, "", "#" + key);
  }

  function step(delta) {
    if (!visible.length) return;
    current = current < 0 ? (delta > 0 ? 0 : visible.length - 1) : Math.min(visible.length - 1, Math.max(0, current + delta));
    select(visible[current].key, true);
  }

  function showDetail(it) {
    const dl = el("dl");
    const row = (k, v) => { if (v !== "" && v !== null && v !== undefined) dl.append(el("dt", {text: k}), el("dd", {text: String(v)})); };
    row("document", it.doc.source); row("page", it.page + (it.doc.pages[it.page - 1] && it.doc.pages[it.page - 1].label ? " (" + it.doc.pages[it.page - 1].label + ")" : ""));
    row("status", statusOf(it)); row("entity", it.entity + " (" + it.entity_label + ")");
    row("exemption", isWithheld(it) ? it.exemptions.join("; ") : "none (released)"); row("rule", it.rule); row("action", it.action);
    row("confidence", Number(it.score).toFixed(2)); row("reason", it.reason);
    row("found by", it.recognizer + (it.explanation ? ": " + it.explanation : ""));
    row("propagated", it.propagated ? "yes" : ""); row("review", it.needs_review ? "flagged for review" : "");
    row("pseudonym", it.pseudonym); row("decided by", it.decided_by ? it.decided_by + " at " + it.decided_at : "");
    const kids = [el("h2", {text: (it.kind === "kept" ? "Kept finding " : "Redaction ") + it.id}),
      el("div", {class: "cap hint", text: isWithheld(it) ? "withheld text" : "text (released)"}),
      el("div", {class: "value", id: "value", text: it.value}), dl];
    if (R) kids.push(actions(it));
    detail.replaceChildren(...kids, R ? addForm() : el("p", {class: "keys", text: "j / k: next / previous finding"}));
  }

  // ---------------------------------------------------------------- review mode
  const msg = el("div", {id: "msg"});
  function say(text, bad) { msg.textContent = text; msg.className = bad ? "err" : ""; }

  async function post(path, body) {
    const res = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json", "X-Redactor-Token": R.token},
      body: JSON.stringify(Object.assign({reviewer: reviewer()}, body))});
    const data = await res.json().catch(() => ({error: "bad answer from the review server"}));
    if (!res.ok || data.error) throw new Error(data.error || ("HTTP " + res.status));
    return data;
  }
  let reviewerName = R ? (storage("redactor-reviewer") || R.reviewer || "") : "";
  function storage(k, v) {
    try { if (v === undefined) return localStorage.getItem(k); localStorage.setItem(k, v); } catch (e) { /* private mode */ }
    return null;
  }
  function reviewer() { return reviewerName.trim(); }

  function actions(it) {
    const box = el("div", {class: "actions"});
    if (isWithheld(it)) {
      const acc = el("button", {id: "btn-accept", text: "Accept (a)"}), rej = el("button", {id: "btn-reject", text: "Reject (x)"});
      acc.addEventListener("click", () => decide(it, "accept"));
      rej.addEventListener("click", () => decide(it, "reject"));
      const sel = el("select", {id: "ex-select", "aria-label": "exemption"},
        ...(R.exemptions || exCodes).map(c => el("option", {value: c, text: c, selected: it.exemptions[0] === c})));
      sel.addEventListener("change", () => decide(it, "exemption", [sel.value]));
      box.append(acc, rej, el("label", null, "exemption (e) ", sel));
    } else if (it.kind === "kept") {
      const w = el("button", {id: "btn-withhold", text: "Withhold this instead"});
      const sel = el("select", {id: "ex-select", "aria-label": "exemption"}, ...(R.exemptions || exCodes).map(c => el("option", {value: c, text: c})));
      w.addEventListener("click", () => decide(it, "withhold", [sel.value]));
      box.append(w, sel);
    }
    return el("div", null, box, msg);
  }

  async function decide(it, action, exemptions) {
    try {
      const data = await post("/api/decide", {doc: it.doc.id, id: it.id, action: action, exemptions: exemptions || null});
      (exemptions || []).forEach(ensureCode);
      for (const ch of data.changed || []) {
        const other = byKey.get(ch.doc + ":" + ch.item.id);
        if (other) Object.assign(other, ch.item, {doc: other.doc, key: other.key});
      }
      const keep = it.key;
      refresh();
      select(keep, false);
      const n = (data.changed || []).length;
      say(action + ": saved to the plan" + (n > 1 ? ` (${n} items with the same text)` : ""));
    } catch (e) { say(e.message, true); }
  }

  function addForm() {
    const q = el("input", {type: "text", id: "add-query", placeholder: "text to withhold everywhere in the set"});
    const sel = el("select", {id: "add-exemption"}, ...(R.exemptions || exCodes).map(c => el("option", {value: c, text: c})));
    const reason = el("input", {type: "text", id: "add-reason", placeholder: "reason (optional)"});
    const btn = el("button", {id: "btn-add", text: "Withhold every occurrence"});
    const rv = el("input", {type: "text", id: "reviewer", value: reviewerName, placeholder: "your name"});
    rv.addEventListener("input", () => { reviewerName = rv.value; storage("redactor-reviewer", rv.value); });
    const go = async () => {
      if (!q.value.trim()) { say("type the text to withhold", true); return; }
      try {
        const data = await post("/api/add", {query: q.value, exemptions: [sel.value], reason: reason.value});
        for (const [docId, newItems] of Object.entries(data.added || {})) {
          const d = D.documents.find(x => x.id === docId);
          for (const ni of newItems) { ni.exemptions.forEach(ensureCode); d.items.push(ni); ni.doc = d; ni.key = d.id + ":" + ni.id; items.push(ni);
            byKey.set(ni.key, ni); nodes.set(ni.key, []); }
        }
        refresh();
        say(`added ${data.count} redaction(s); boxes for PDF pages are placed when the plan is applied`);
        q.value = "";
      } catch (e) { say(e.message, true); }
    };
    btn.addEventListener("click", go);
    q.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); go(); } });
    return el("div", {id: "addform"}, el("h2", {text: "Add a redaction by text search (/)"}), q, sel, reason, btn,
      el("div", {class: "hint"}, "reviewer ", rv), R ? msg : null);
  }

  function refresh() {
    renderDocs();
    renderList();
    drawStats();
  }

  // ---------------------------------------------------------------- drawing a region (review mode, key r)
  let drawing = false, drag = null;
  function setDrawing(on) {
    drawing = on;
    document.body.classList.toggle("drawing", on);
    say(on ? "draw mode: drag a rectangle on an original PDF page to withhold what is under it (r or Esc to stop)" : "");
  }
  function sheetAt(ev) {
    const s = ev.target.closest && ev.target.closest(".sheet.orig");
    return s && s.querySelector("img") ? s : null;
  }
  function fracs(sheetEl, x, y) {
    const r = sheetEl.getBoundingClientRect();
    return [Math.min(1, Math.max(0, (x - r.left) / r.width)), Math.min(1, Math.max(0, (y - r.top) / r.height))];
  }
  document.addEventListener("mousedown", (ev) => {
    if (!R || !drawing || ev.button !== 0) return;
    const s = sheetAt(ev);
    if (!s) return;
    ev.preventDefault();
    const [x, y] = fracs(s, ev.clientX, ev.clientY);
    const rect = el("div", {class: "drawn", style: `left:${x * 100}%;top:${y * 100}%;width:0;height:0`});
    s.append(rect);
    drag = {sheet: s, x, y, rect, box: [x, y, 0, 0]};
  });
  document.addEventListener("mousemove", (ev) => {
    if (!drag) return;
    const [x, y] = fracs(drag.sheet, ev.clientX, ev.clientY);
    drag.box = [Math.min(x, drag.x), Math.min(y, drag.y), Math.abs(x - drag.x), Math.abs(y - drag.y)];
    const [l, tp, w, h] = drag.box;
    drag.rect.style.cssText = `left:${l * 100}%;top:${tp * 100}%;width:${w * 100}%;height:${h * 100}%`;
  });
  document.addEventListener("mouseup", async () => {
    if (!drag) return;
    const {sheet: s, box, rect} = drag;
    drag = null;
    rect.remove();
    if (box[2] < 0.003 || box[3] < 0.003) return;
    const docId = s.dataset.doc, page = Number(s.dataset.page);
    const sel = document.getElementById("add-exemption");
    const code = sel ? sel.value : (R.exemptions || exCodes)[0];
    try {
      const data = await post("/api/region", {doc: docId, page: page, box: box, exemptions: [code]});
      const d = D.documents.find(x => x.id === docId);
      for (const ni of (data.added || {})[docId] || []) {
        ni.exemptions.forEach(ensureCode);
        ni.boxes = [box]; ni.doc = d; ni.key = d.id + ":" + ni.id;
        d.items.push(ni); items.push(ni); byKey.set(ni.key, ni); nodes.set(ni.key, []);
      }
      refresh();
      say("region added: whatever is under it is withheld when the plan is applied");
    } catch (e) { say(e.message, true); }
  });

  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) {
      if (ev.key === "Escape") t.blur();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const it = current >= 0 ? visible[current] : null;
    if (ev.key === "j") { step(1); ev.preventDefault(); }
    else if (ev.key === "k") { step(-1); ev.preventDefault(); }
    else if (R && it && isWithheld(it) && ev.key === "a") { decide(it, "accept"); ev.preventDefault(); }
    else if (R && it && isWithheld(it) && ev.key === "x") { decide(it, "reject"); ev.preventDefault(); }
    else if (R && ev.key === "r") { setDrawing(!drawing); ev.preventDefault(); }
    else if (R && ev.key === "Escape" && drawing) { setDrawing(false); }
    else if (R && ev.key === "e") { const s = document.getElementById("ex-select"); if (s) { s.focus(); ev.preventDefault(); } }
    else if (R && ev.key === "/") {
      if (!document.getElementById("add-query")) detail.replaceChildren(addForm());
      document.getElementById("add-query").focus(); ev.preventDefault();
    }
  });
  for (const c of [keptBox, entSel, stSel, nrBox]) c.addEventListener("change", renderList);

  refresh();
  if (R) detail.replaceChildren(addForm());
  else detail.append(el("p", {class: "keys", text: "Select a box or a row to see the withheld text and why. j / k: next / previous finding."}));
  const start = decodeURIComponent(location.hash.slice(1));
  if (start && byKey.has(start)) select(start, true);
})();
