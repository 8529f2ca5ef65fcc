"""The release copy of a DOCX: withheld text replaced by black runs carrying the exemption
code, everything a reader does not see scrubbed, the layout otherwise untouched.

Steps, on the original package read again:
1. ``read_units`` gives the same pages the plan was made on (checked: same text).
2. Each withheld span becomes cuts in the slots it covers. In a run, the run is split and a
   black run (white text on black shading, the exemption code, the same size whatever was
   removed) takes the place of the first cut; elsewhere (attributes, field codes, properties,
   charts) the span becomes the text placeholder ``[WITHHELD (b)(6)]``.
3. Scrubbing, redacted or not: tracked changes accepted (deletions and moved-from text
   dropped, insertions kept, every revision mark and its author removed), comments and their
   anchors removed, authors cleared from the properties, XML comments and processing
   instructions removed, embedded objects replaced by a label, thumbnails, macros, glossary
   and other dropped parts cut with their relationships, unreachable parts dropped.
4. The package is written whole (fixed timestamps: the same plan gives the same bytes).
"""

from __future__ import annotations

import bisect
import copy
import urllib.parse
import zipfile
from pathlib import Path

from ...errors import BadInputError, UnsupportedContentError
from ...model import Plan
from .ooxml import XML_SPACE, key, local, ns_of
from .package import CT_NS, Package, open_package
from .stories import CLEARED_PROPERTIES, Slot, Unit, read_units

LABEL_FILL = "000000"
LABEL_TEXT_COLOUR = "FFFFFF"
OBJECT_LABEL = "[embedded object removed]"
# Revision marks: removed with everything in them (deletions) or unwrapped (insertions).
_REMOVE_WITH_CONTENT = {"w:del", "w:moveFrom"}
_UNWRAP = {"w:ins", "w:moveTo"}
_REMOVE_MARKS = {"w:rPrChange", "w:pPrChange", "w:sectPrChange", "w:tblPrChange", "w:tblPrExChange",
                 "w:trPrChange", "w:tcPrChange", "w:tblGridChange", "w:numberingChange",
                 "w:moveFromRangeStart", "w:moveFromRangeEnd", "w:moveToRangeStart", "w:moveToRangeEnd",
                 "w:customXmlInsRangeStart", "w:customXmlInsRangeEnd", "w:customXmlDelRangeStart",
                 "w:customXmlDelRangeEnd", "w:customXmlMoveFromRangeStart", "w:customXmlMoveFromRangeEnd",
                 "w:customXmlMoveToRangeStart", "w:customXmlMoveToRangeEnd", "w:cellIns", "w:cellDel",
                 "w:cellMerge", "w:commentRangeStart", "w:commentRangeEnd", "w:commentReference",
                 "w:altChunk"}
# Run properties a label keeps from the run it replaces (same font and size), in schema order.
_LABEL_KEEPS = ("w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:sz", "w:szCs")


def text_placeholder(codes: str, pseudonym: str | None) -> str:
    return f"[{pseudonym} {codes}]" if pseudonym else f"[WITHHELD {codes}]"


def run_label(codes: str, pseudonym: str | None) -> str:
    return f"{pseudonym} {codes}" if pseudonym else codes


def merged_spans(redactions) -> list[tuple[int, int, str, str | None]]:
    """Overlapping withheld spans of one page merged, with their exemption codes in order."""
    spans: list[list] = []
    for r in sorted(redactions, key=lambda r: (r.start, -r.end)):
        if spans and r.start < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], r.end)
            spans[-1][2].append(r)
        else:
            spans.append([r.start, r.end, [r]])
    out = []
    for s, e, rs in spans:
        codes: list[str] = []
        for r in rs:
            codes += [c for c in r.decision.exemptions if c not in codes]
        pseudonym = rs[0].decision.pseudonym if len(rs) == 1 else None
        out.append((s, e, "; ".join(codes) or "withheld", pseudonym))
    return out


class _Edit:
    def __init__(self) -> None:
        self.cuts: list[tuple[int, int]] = []
        self.labels: dict[int, tuple[str, str | None]] = {}

    def pieces(self, text: str) -> list[tuple[str, object]]:
        """("keep", text) and ("label", (codes, pseudonym)) in order."""
        out: list[tuple[str, object]] = []
        pos = 0
        for a, b in sorted(self.cuts):
            if a > pos:
                out.append(("keep", text[pos:a]))
            if a in self.labels:
                out.append(("label", self.labels.pop(a)))
            pos = max(pos, b)
        if pos < len(text):
            out.append(("keep", text[pos:]))
        return out


def write_docx(plan: Plan, out_path: Path) -> list[str]:
    """Write the release copy of ``plan`` to ``out_path``; returns notes for the report."""
    pkg = open_package(plan.document.source)
    units, lay = read_units(pkg)
    pages = plan.document.pages
    if len(units) != len(pages) or any(u.text_and_map()[0] != p.text for u, p in zip(units, pages)
                                       if not u.image):
        raise BadInputError("the DOCX reads differently than when it was planned")
    notes: list[str] = []
    for number in sorted({r.page for r in plan.redactions} | set(plan.withheld_pages)):
        if units[number - 1].image:
            pkg.data[units[number - 1].image] = _black_image(pkg.data[units[number - 1].image], number)
            picture = any(r.page == number and r.decision.finding.is_region for r in plan.redactions)
            notes.append(f"page {number} ({units[number - 1].label}) withheld in full: "
                         + ("the picture is withheld (a region)" if picture else "its text held withheld information"))
    edits = _plan_edits(units, plan)
    _apply_edits(edits)
    notes += _scrub(pkg, lay)
    _write_package(pkg, out_path)
    return notes


def _black_image(data: bytes, page: int) -> bytes:
    """An image of the same size and format, all black: an embedded image whose OCR text
    holds a withheld value is withheld whole (its pixels would show what its text says)."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            size, fmt = im.size, im.format
        out = io.BytesIO()
        Image.new("RGB", size, (0, 0, 0)).save(out, format=fmt)
        return out.getvalue()
    except Exception:  # noqa: BLE001
        raise UnsupportedContentError(f"page {page}: an embedded image that holds withheld text "
                                      "cannot be replaced") from None


def _plan_edits(units: list[Unit], plan: Plan) -> dict[Slot, _Edit]:
    edits: dict[Slot, _Edit] = {}
    by_page: dict[int, list] = {}
    for r in plan.redactions:
        by_page.setdefault(r.page, []).append(r)
    for number, unit in enumerate(units, start=1):
        if unit.removed or unit.image:
            continue
        text, spans = unit.text_and_map()
        wanted = merged_spans(by_page.get(number, []))
        if number in plan.withheld_pages:
            d = plan.withheld_pages[number]
            wanted = [(0, len(text), "; ".join(d.exemptions) or "withheld", None)]
        ends = [pe for _, pe, _ in spans]  # slots are in text order, so ends ascend
        for s, e, codes, pseudonym in wanted:
            first = True
            for ps, pe, slot in spans[bisect.bisect_right(ends, s):]:
                if ps >= e:
                    break
                a, b = max(s, ps) - ps, min(e, pe) - ps
                if a >= b:
                    continue
                edit = edits.setdefault(slot, _Edit())
                edit.cuts.append((a, b))
                if first:
                    edit.labels[a] = (codes, pseudonym)
                    first = False
    return edits


def _apply_edits(edits: dict[Slot, _Edit]) -> None:
    runs: dict[object, list[Slot]] = {}
    for slot, edit in edits.items():
        if slot.kind == "run":
            runs.setdefault(slot.elem.getparent(), []).append(slot)
        elif slot.kind == "text":
            slot.elem.text = _rebuilt(slot.text, edit, text_placeholder)
        elif slot.kind == "attr":
            slot.elem.set(slot.attr, _rebuilt(slot.text, edit, text_placeholder))
        elif slot.kind == "url":
            new = _rebuilt(slot.text, edit, text_placeholder)
            slot.elem.set(slot.attr, urllib.parse.quote(new, safe=":/?#@!$&'()*+,;=~%"))
    for run, slots in runs.items():
        _split_run(run, {s.elem: (s, edits[s]) for s in slots})


def _rebuilt(text: str, edit: _Edit, label) -> str:
    return "".join(v if kind == "keep" else label(*v) for kind, v in edit.pieces(text))


def _split_run(run, edited: dict) -> None:
    """Replace ``run`` by runs holding its kept text, with a black label run where each
    withheld span begins. Children that are not edited stay, in order, in the run they were in."""
    w = ns_of(run.tag)
    rpr = next((c for c in run if key(c.tag) == "w:rPr"), None)

    def shell():
        r = run.makeelement(run.tag, run.attrib)
        if rpr is not None:
            r.append(copy.deepcopy(rpr))
        return r

    out = []
    cur = shell()
    for child in list(run):
        if child is rpr:
            continue
        if child not in edited:
            cur.append(child)
            continue
        slot, edit = edited[child]
        for kind, value in edit.pieces(slot.text):
            if kind == "keep":
                if key(child.tag) in ("w:t", "w:delText"):
                    t = child.makeelement(child.tag, {})
                    t.text = value
                    t.set(XML_SPACE, "preserve")
                    cur.append(t)
                else:  # a tab or break kept whole
                    cur.append(copy.deepcopy(child))
            else:
                out.append(cur)
                out.append(_label_run(run, rpr, w, run_label(*value)))
                cur = shell()
    out.append(cur)
    parent = run.getparent()
    index = parent.index(run)
    parent.remove(run)
    kept = [r for r in out if any(key(c.tag) != "w:rPr" for c in r)]
    for offset, r in enumerate(kept):
        parent.insert(index + offset, r)
    if kept:
        kept[-1].tail = run.tail


def _label_run(run, rpr, w: str, text: str):
    r = run.makeelement(f"{{{w}}}r", {})
    props = r.makeelement(f"{{{w}}}rPr", {})
    r.append(props)
    found = {key(c.tag): c for c in rpr} if rpr is not None else {}
    order = list(_LABEL_KEEPS)
    for name in order[:5]:
        if name in found:
            props.append(copy.deepcopy(found[name]))
    props.append(props.makeelement(f"{{{w}}}color", {f"{{{w}}}val": LABEL_TEXT_COLOUR}))
    for name in order[5:]:
        if name in found:
            props.append(copy.deepcopy(found[name]))
    props.append(props.makeelement(f"{{{w}}}highlight", {f"{{{w}}}val": "black"}))
    props.append(props.makeelement(f"{{{w}}}shd", {f"{{{w}}}val": "clear", f"{{{w}}}color": "auto",
                                                    f"{{{w}}}fill": LABEL_FILL}))
    t = r.makeelement(f"{{{w}}}t", {})
    t.text = text
    t.set(XML_SPACE, "preserve")
    r.append(t)
    return r


# ---------------------------------------------------------------------------------------
# Scrubbing
# ---------------------------------------------------------------------------------------

def _scrub(pkg: Package, lay) -> list[str]:
    notes: list[str] = []
    counts: dict[str, int] = {}
    dropped_ids: dict[str, set[str]] = {}
    for rel, why in lay.dropped:
        dropped_ids.setdefault(rel.source, set()).add(rel.id)
        rel.elem.getparent().remove(rel.elem)
        if why not in notes:
            notes.append(why)
    for name in pkg.names:
        if name not in lay.kept_parts or not pkg.is_xml(name):
            continue
        _scrub_tree(pkg.xml(name), dropped_ids.get(name, set()), counts)
    notes += [f"{what} removed: {n}" if what != "personal document properties cleared" else what
              for what, n in counts.items()]
    notes += _drop_unreachable(pkg, lay)
    return notes


def _count(counts: dict[str, int], what: str) -> None:
    counts[what] = counts.get(what, 0) + 1


def _scrub_tree(el, ids: set[str], counts: dict[str, int]) -> None:
    """Scrub the children of ``el``, depth first (an unwrapped insertion's runs are scrubbed
    before they move up)."""
    for child in list(el):
        k = key(child.tag)
        if not k:  # an XML comment or processing instruction
            _remove(child)
            continue
        if child.tail and child.tail.strip():
            child.tail = None  # text between elements is not OOXML content
        if k == "w:tr" and _row_deleted(child):
            _remove(child)
            _count(counts, "deleted table rows")
        elif k in _REMOVE_WITH_CONTENT:
            if len(child):  # not an empty paragraph-mark or row marker
                _count(counts, "tracked deletions")
            _remove(child)
        elif k in _REMOVE_MARKS:
            _remove(child)
        elif k == "w:mailMerge":  # a data source's path and query (user names, tables)
            _remove(child)
            _count(counts, "mail merge settings")
        elif k == "w:object":
            _replace_object(child)
            _count(counts, "embedded objects")
        elif ids and any(key(a).startswith("r:") and v in ids for a, v in child.attrib.items()):
            _remove(child)
        else:
            if k in CLEARED_PROPERTIES and child.text:
                child.text = None
                counts["personal document properties cleared"] = 1
            for a in [a for a in child.attrib if local(a) in ("author", "initials")]:
                del child.attrib[a]
            if k == "w:date":  # a date control's machine copy of its date: the text shows it
                for a in [a for a in child.attrib if local(a) == "fullDate"]:
                    del child.attrib[a]
            _scrub_tree(child, ids, counts)
            if k in _UNWRAP:
                _unwrap(child)
            elif k == "w:r" and all(key(c.tag) == "w:rPr" for c in child):
                _remove(child)  # a run left empty (a comment reference's, say)


def _row_deleted(tr) -> bool:
    return any(key(c.tag) == "w:trPr" and any(key(g.tag) == "w:del" for g in c) for c in tr)


def _remove(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    prev = el.getprevious()
    parent.remove(el)
    if tail and not tail.strip():
        return
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _unwrap(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    index = parent.index(el)
    for offset, child in enumerate(list(el)):
        parent.insert(index + offset, child)
    parent.remove(el)


def _replace_object(el) -> None:
    w = ns_of(el.tag)
    parent = el.getparent()
    t = el.makeelement(f"{{{w}}}t", {})
    t.text = OBJECT_LABEL
    t.set(XML_SPACE, "preserve")
    if parent is not None and key(parent.tag) == "w:r":
        parent.replace(el, t)
    else:
        _remove(el)


def _drop_unreachable(pkg: Package, lay) -> list[str]:
    """Parts no kept relationship reaches are not written (nor their relationships), and the
    content types forget them."""
    keep = set(lay.kept_parts) | {"[Content_Types].xml", "_rels/.rels"}
    keep |= {Package.rels_name(p) for p in lay.kept_parts}
    gone = [n for n in pkg.names if n not in keep]
    for n in gone:
        del pkg.data[n]
        pkg.trees.pop(n, None)
    pkg.names = [n for n in pkg.names if n in keep]
    ct = pkg.xml("[Content_Types].xml")
    lower = {n.lower() for n in pkg.names}
    for el in list(ct):
        if el.tag == f"{{{CT_NS}}}Override" and (el.get("PartName") or "").lstrip("/").lower() not in lower:
            ct.remove(el)
    dropped_parts = [n for n in gone if not n.endswith(".rels")]
    return [f"parts not in the release copy: {len(dropped_parts)}"] if dropped_parts else []


def _write_package(pkg: Package, out_path: Path) -> None:
    from lxml import etree

    with zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in pkg.names:
            if name in pkg.trees:
                blob = etree.tostring(pkg.trees[name], xml_declaration=True, encoding="UTF-8", standalone=True)
            else:
                blob = pkg.data[name]
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, blob)


