"""Independent check of a DOCX release copy.

Shares nothing with the reader and the writer but the model: the copy is opened with
``zipfile`` and every member is read on its own, whatever the relationships say. XML parts
go through expat (the standard library's parser, not lxml) collecting every character of
text, CDATA, comment and processing instruction, and every attribute value (also
percent-decoded); other parts are searched as bytes (Latin-1 and UTF-16). A withheld value
found anywhere, a revision mark, a comment part or an author attribute fails the copy.
Problems say where (part, page, entity), never the value.
"""

from __future__ import annotations

import urllib.parse
import zipfile
from pathlib import Path
from xml.parsers import expat

from ...model import Plan
from ...values import find_values, withheld_values

MIN_PAGE_FRAGMENT = 24  # lines of a page withheld in full, checked as text
_BREAKS = {"p", "tc", "tr", "br", "cr", "tab"}
_REVISION_MARKS = {"del", "delText", "delInstrText", "moveFrom", "ins", "moveTo", "rPrChange", "pPrChange"}
_COMMENT_MARKS = {"commentReference", "commentRangeStart", "commentRangeEnd"}
_REMOVED_PARTS = ("comments", "commentsextended", "commentsids", "commentsextensible", "people")
# WordprocessingML (Transitional and Strict): revision and comment marks are looked for only
# there (DrawingML has a moveTo of its own, a path operator).
_W = {"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
      "http://purl.oclc.org/ooxml/wordprocessingml/main"}


def _withheld_pictures(plan: Plan) -> dict[str, str]:
    """SHA-256 of the data of each picture withheld whole (a signature's) -> where, in words."""
    out: dict[str, str] = {}
    for i, r in enumerate(plan.redactions, start=1):
        f = r.decision.finding
        if f.is_region and f.attributes.get("image_sha256"):
            out.setdefault(f.attributes["image_sha256"], f"page {r.page}, redaction r{i} ({f.entity})")
    return out


def verify_docx(plan: Plan, out_path: Path) -> list[str]:
    values = withheld_values(plan)
    where = _value_sources(plan)
    for number, decision in plan.withheld_pages.items():
        for line in plan.document.pages[number - 1].text.split("\n"):
            line = " ".join(line.split())
            if len(line) >= MIN_PAGE_FRAGMENT and line not in values:
                values.append(line)
                where.setdefault(line, f"page {number} withheld in full")
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(out_path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [f"the release copy is not a readable zip: {type(exc).__name__}"]
    with zf:
        names = zf.namelist()
        if len(set(n.lower() for n in names)) != len(names):
            problems.append("the release copy holds two members with the same name")
        pictures = _withheld_pictures(plan)
        for name in names:
            blob = zf.read(name)
            if pictures:
                import hashlib

                digest = hashlib.sha256(blob).hexdigest()
                if digest in pictures:
                    problems.append(f"part {name}: the withheld picture of {pictures[digest]} is still in the file")
            base = name.rsplit("/", 1)[-1].lower()
            if base.rsplit(".", 1)[0] in _REMOVED_PARTS:
                problems.append(f"part {name}: comment or author part present in the release copy")
            if name.lower().startswith("docprops/thumbnail"):
                problems.append(f"part {name}: document thumbnail present in the release copy")
            if _looks_xml(blob):
                problems += _check_xml(name, blob, values, where)
            else:
                for text in (blob.decode("latin-1"), blob.decode("utf-16-le", "replace")):
                    for v in find_values(text, values):
                        problems.append(f"part {name}: {where.get(v, 'a withheld value')} remains in its bytes")
    return _unique(problems)


def _value_sources(plan: Plan) -> dict[str, str]:
    """Withheld value -> where it was withheld, in words (never the value)."""
    out: dict[str, str] = {}
    pages = plan.document.pages
    for r in plan.redactions:
        label = pages[r.page - 1].label if 0 < r.page <= len(pages) else ""
        desc = f"a withheld {r.decision.finding.entity} (page {r.page}{', ' + label if label else ''})"
        v = " ".join(r.text.split())
        out.setdefault(v, desc)
        for line in r.text.split("\n"):
            out.setdefault(" ".join(line.split()), desc)
    return out


def _looks_xml(blob: bytes) -> bool:
    head = blob[:64].lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff\x00 \t\r\n")
    return head.startswith(b"<")


class _Collector:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.attrs: list[str] = []
        self.marks: set[str] = set()
        self.authors = 0

    def start(self, name, attrs):
        ns, _, local = name.rpartition(" ")
        if local in _BREAKS:
            self.text.append("\n")
        if ns in _W and (local in _REVISION_MARKS or local in _COMMENT_MARKS):
            self.marks.add(local)
        for a, v in attrs.items():
            if a.rpartition(" ")[2] == "author":
                self.authors += 1
            self.attrs.append(v)

    def end(self, name):
        if name.rpartition(" ")[2] in _BREAKS:
            self.text.append("\n")

    def data(self, s):
        self.text.append(s)

    def other(self, *parts):
        self.text.append("\n" + " ".join(p for p in parts if isinstance(p, str)) + "\n")


def _refuse_dtd(*_args):
    raise ValueError("a DTD in the release copy")


def _check_xml(name: str, blob: bytes, values: list[str], where: dict[str, str]) -> list[str]:
    c = _Collector()
    p = expat.ParserCreate(namespace_separator=" ")
    p.StartElementHandler = c.start
    p.EndElementHandler = c.end
    p.CharacterDataHandler = c.data
    p.CommentHandler = c.other
    p.ProcessingInstructionHandler = c.other
    p.StartDoctypeDeclHandler = _refuse_dtd
    p.EntityDeclHandler = _refuse_dtd
    try:
        p.Parse(blob, True)
    except (expat.ExpatError, ValueError) as exc:
        return [f"part {name}: not well-formed XML in the release copy ({type(exc).__name__})"]
    problems = []
    text = "".join(c.text)
    for v in find_values(text, values):
        problems.append(f"part {name}: {where.get(v, 'a withheld value')} remains in its text")
    attrs = "\n".join(c.attrs)
    decoded = urllib.parse.unquote(attrs) if "%" in attrs else ""
    for v in find_values(attrs + "\n" + decoded, values):
        problems.append(f"part {name}: {where.get(v, 'a withheld value')} remains in an attribute")
    if c.marks & _REVISION_MARKS:
        problems.append(f"part {name}: tracked-change markup remains ({', '.join(sorted(c.marks & _REVISION_MARKS))})")
    if c.marks & _COMMENT_MARKS:
        problems.append(f"part {name}: comment anchors remain")
    if c.authors:
        problems.append(f"part {name}: {c.authors} author attribute(s) remain")
    return problems


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in items if not (i in seen or seen.add(i))]
