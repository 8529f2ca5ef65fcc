"""Where the text of a DOCX lives, as units a reviewer can point to.

A unit is one page of the model: the body, a header, the footnotes, the comments, the
tracked deletions, field codes and link targets, alt text, the document properties, another
XML part with text (a chart, a SmartArt diagram, custom XML data), or an embedded image.

Each unit is a list of segments (a paragraph, a field code, a property) and each segment a
list of slots: the exact place a piece of its text comes from (a ``w:t`` of a run, an
element's text, an attribute). A paragraph's text is its runs' text joined with nothing
between them, so a value split across runs (``Jo`` + ``hn Smith`` in two formats) reads as
one value; ``slot_map`` gives each character's slot back to the writer.

The reader and the writer both build units with ``read_units`` from the original file, so
the offsets of a plan always point at the same slots.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from ...errors import BadInputError
from .ooxml import BINARY_TEXT, DROPPED_RELATIONSHIPS, STORY_RELATIONSHIPS, TEXT_ATTRIBUTES, key, local
from .package import Package, Relationship

PARAGRAPH_BREAK = "\n\n"
PROPERTY_RELATIONSHIPS = ("core-properties", "extended-properties", "custom-properties")
IMAGE_RELATIONSHIPS = {"image", "hdphoto", "media", "video", "audio"}
# Properties that name people (the author, the last editor, the manager): cleared in every
# release copy, as a PDF's document information is, so not read for detection either.
CLEARED_PROPERTIES = {"dc:creator", "cp:lastModifiedBy", "ep:Manager"}
# Machine values of the properties parts.
_SKIPPED_PROPERTIES = {"dcterms:created", "dcterms:modified", "cp:lastPrinted", "cp:revision",
                       "ep:TotalTime", "ep:Pages", "ep:Words", "ep:Characters", "ep:Lines",
                       "ep:Paragraphs", "ep:CharactersWithSpaces", "ep:AppVersion", "ep:DocSecurity",
                       "ep:ScaleCrop", "ep:LinksUpToDate", "ep:SharedDoc", "ep:HyperlinksChanged",
                       "ep:Application"}


@dataclass(eq=False)
class Slot:
    """One place text comes from. ``kind``: "run" (a w:t, w:tab... child of a w:r: edited by
    splitting the run), "text" (an element's text), "attr" (an attribute's value), "url" (an
    attribute holding a URL, read percent-decoded)."""

    elem: Any
    kind: str
    text: str
    attr: str | None = None


Piece = Any  # Slot, or a str the reader adds for context ("title: ") that nothing edits


@dataclass
class Unit:
    label: str
    segments: list[list[Piece]] = field(default_factory=list)
    removed: bool = False  # absent from the release copy whatever the plan says (comments...)
    image: str | None = None  # the part name of an embedded image: no text layer
    # Between segments: paragraphs of a story are set apart by a blank line, as in a text
    # record (a portion mark governs its paragraph up to the blank line); lists of fields,
    # link targets or properties by a line break.
    sep: str = "\n"

    def text_and_map(self) -> tuple[str, list[tuple[int, int, Slot]]]:
        """The unit's text (segments one per line) and the span of every slot in it."""
        out: list[str] = []
        spans: list[tuple[int, int, Slot]] = []
        pos = 0
        for i, seg in enumerate(self.segments):
            if i:
                out.append(self.sep)
                pos += len(self.sep)
            for piece in seg:
                text = piece.text if isinstance(piece, Slot) else piece
                if isinstance(piece, Slot):
                    spans.append((pos, pos + len(text), piece))
                out.append(text)
                pos += len(text)
        return "".join(out), spans


@dataclass
class Layout:
    """What of the package reaches the release copy."""

    main: str
    stories: list[tuple[str, str]]  # (part, label) read as WordprocessingML
    kept_parts: set[str]
    dropped: list[tuple[Relationship, str]]  # relationships cut, and why
    images: list[str]
    properties: list[str]
    generic: list[str]  # other XML parts with possible text


def layout(pkg: Package) -> Layout:
    main = pkg.main_part()
    root = pkg.xml(main)
    if key(root.tag) != "w:document":
        raise BadInputError(f"not a Word document: the main part holds a {local(str(root.tag))!r} element")
    kept: set[str] = set()
    dropped: list[tuple[Relationship, str]] = []
    images: list[str] = []
    properties: list[str] = []
    queue = [""]
    seen = {""}
    while queue:
        source = queue.pop(0)
        for rel in pkg.relationships(source):
            if rel.external:
                # Only hyperlinks stay: anything else external (a linked image, template,
                # frame, subdocument or data source) is fetched when the copy is opened.
                if rel.type_name != "hyperlink":
                    dropped.append((rel, DROPPED_RELATIONSHIPS.get(rel.type_name, "external references removed")))
                continue
            if rel.type_name in DROPPED_RELATIONSHIPS:
                dropped.append((rel, DROPPED_RELATIONSHIPS[rel.type_name]))
                continue
            part = rel.part
            if part not in pkg.data:
                continue
            if rel.type_name in IMAGE_RELATIONSHIPS and part not in images:
                images.append(part)
            if rel.type_name in PROPERTY_RELATIONSHIPS and part not in properties:
                properties.append(part)
            kept.add(part)
            if part not in seen:
                seen.add(part)
                queue.append(part)
    stories = [(main, "body")]
    for rel in pkg.relationships(main):
        label = STORY_RELATIONSHIPS.get(rel.type_name)
        part = rel.part
        if label and part in pkg.data and all(part != p for p, _ in stories):
            if label in ("header", "footer"):
                m = re.search(r"(\d+)\.xml$", part)
                label = f"{label} {m.group(1)}" if m else f"{label} ({part})"
            stories.append((part, label))
    order = {"body": 0, "header": 1, "footer": 2, "footnotes": 3, "endnotes": 4, "comments": 5}
    stories.sort(key=lambda pl: (order[pl[1].split()[0]], _natural(pl[0])))
    story_parts = {p for p, _ in stories}
    generic = [n for n in pkg.names if n in kept and n not in story_parts and n not in properties
               and n not in images and pkg.is_xml(n) and not n.endswith(".rels")]
    return Layout(main, stories, kept, dropped, sorted(images, key=_natural), properties, generic)


def _natural(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


class _Para:
    def __init__(self) -> None:
        self.visible: list[Slot] = []
        self.deleted: list[Slot] = []
        self.fields: list[list[Slot]] = []
        self._field: list[Slot] | None = None

    def instruction(self, slot: Slot) -> None:
        if self._field is None:
            self._field = []
            self.fields.append(self._field)
        self._field.append(slot)

    def close_field(self) -> None:
        self._field = None


class _Story:
    """Segments collected from one XML part, by where they go."""

    def __init__(self) -> None:
        self.paragraphs: list[list[Piece]] = []
        self.deleted: list[list[Slot]] = []
        self.fields: list[list[Slot]] = []
        self.attrs: list[list[Slot]] = []

    def add(self, para: _Para, deleted: bool) -> None:
        if para.visible:
            (self.deleted if deleted else self.paragraphs).append(para.visible)
        if para.deleted:
            self.deleted.append(para.deleted)
        self.fields.extend(f for f in para.fields if f)


def _row_deleted(tr) -> bool:
    for child in tr:
        if key(child.tag) == "w:trPr":
            return any(key(c.tag) == "w:del" for c in child)
    return False


_RUN_CHARS = {"w:tab": "\t", "w:ptab": "\t", "w:br": "\n", "w:cr": "\n", "w:noBreakHyphen": "-"}


def _slot(el, k: str) -> Slot | None:
    parent = el.getparent()
    in_run = parent is not None and key(parent.tag) == "w:r"
    if k in ("w:t", "w:delText"):
        return Slot(el, "run" if in_run else "text", el.text or "")
    if k in _RUN_CHARS:
        return Slot(el, "run", _RUN_CHARS[k]) if in_run else None
    if k in ("w:instrText", "w:delInstrText"):
        return Slot(el, "text", el.text or "")
    if el.text and el.text.strip() and k not in BINARY_TEXT:
        return Slot(el, "text", el.text)
    return None


def _harvest(el, k: str, story: _Story) -> None:
    names = TEXT_ATTRIBUTES.get(local(el.tag))
    if k == "w:fldSimple":
        instr = next((a for a in el.attrib if local(a) == "instr"), None)
        if instr and el.get(instr, "").strip():
            story.fields.append([Slot(el, "attr", el.get(instr), instr)])
    if not names:
        return
    for a, value in el.attrib.items():
        if local(a) in names and value.strip():
            story.attrs.append([Slot(el, "attr", value, a)])


def walk(root) -> _Story:
    story = _Story()
    _walk(root, None, False, story)
    return story


def _walk(el, para: _Para | None, in_del: bool, story: _Story) -> None:
    for child in el:
        k = key(child.tag)
        if not k:
            continue
        if k in ("w:p", "a:p"):
            p = _Para()
            _walk(child, p, in_del, story)
            story.add(p, in_del)
            continue
        if k == "w:tbl":
            _table(child, in_del, story)
            continue
        deleted = in_del or k in ("w:del", "w:moveFrom") or (k == "w:tr" and _row_deleted(child))
        _harvest(child, k, story)
        slot = _slot(child, k)
        if slot is not None:
            if para is None:  # text outside any paragraph: a segment of its own
                (story.deleted if deleted else story.paragraphs).append([slot])
            elif k in ("w:instrText", "w:delInstrText"):
                para.instruction(slot)
            elif deleted:
                para.deleted.append(slot)
            else:
                para.visible.append(slot)
        elif k == "w:fldChar" and para is not None:
            para.close_field()
        _walk(child, para, deleted, story)


def _table(tbl, in_del: bool, story: _Story) -> None:
    """A table is one block, a row one line of it, its cells set apart by tabs and a cell's
    paragraphs by spaces, as a tab-separated text table reads: the row's values stay beside
    their column labels for detection, and an empty cell still counts as a column."""
    for el in tbl:
        if key(el.tag) == "w:tblPr":
            for sub in el.iter():
                if key(sub.tag):
                    _harvest(sub, key(sub.tag), story)
    table: list[Piece] = []
    for tr in _within(tbl, "w:tr"):
        deleted = in_del or _row_deleted(tr)
        segment: list[Piece] = []
        for i, tc in enumerate(_within(tr, "w:tc")):
            sub = _Story()
            _walk(tc, None, deleted, sub)
            story.deleted += sub.deleted
            story.fields += sub.fields
            story.attrs += sub.attrs
            if i:
                segment.append("\t")
            for j, paragraph in enumerate(sub.paragraphs):
                if j:
                    segment.append(" ")
                for piece in paragraph:
                    if isinstance(piece, Slot) and piece.text == "\t":
                        piece.text = " "  # a tab inside a cell is not a column
                    segment.append(piece)
        if any(isinstance(piece, Slot) for piece in segment):
            table += (["\n"] if table else []) + segment
    if table:
        story.paragraphs.append(table)


def _within(el, wanted: str):
    """Descendants ``wanted`` of ``el`` that belong to it, not to a table nested inside
    (rows may sit in content controls or custom XML wrappers)."""
    for child in el:
        k = key(child.tag)
        if k == wanted:
            yield child
        elif k and k != "w:tbl":
            yield from _within(child, wanted)


def _property_segments(root) -> list[list[Piece]]:
    out: list[list[Piece]] = []
    for el in root.iter():
        k = key(el.tag)
        if not k or k in CLEARED_PROPERTIES or k in _SKIPPED_PROPERTIES:
            continue
        if not (el.text and el.text.strip()):
            continue
        if el.text.strip().lower() in ("true", "false") or el.text.strip().replace(".", "").isdigit():
            continue
        name = local(el.tag)
        prop = next((a for a in el.iterancestors() if local(str(a.tag)) == "property"), None)
        if prop is not None and prop.get("name"):
            name = prop.get("name")
        out.append([f"{name}: ", Slot(el, "text", el.text)])
    return out


def read_units(pkg: Package) -> tuple[list[Unit], Layout]:
    """Every unit of the package, in page order (empty units other than the body left out)."""
    lay = layout(pkg)
    units: list[Unit] = []
    deleted: list[list[Piece]] = []
    fields: list[list[Piece]] = []
    attrs: list[list[Piece]] = []
    comments: Unit | None = None
    for part, label in lay.stories:
        story = walk(pkg.xml(part))
        unit = Unit(label, list(story.paragraphs), removed=(label == "comments"), sep=PARAGRAPH_BREAK)
        if label == "comments":
            comments = unit
        elif label == "body" or unit.segments:
            units.append(unit)
        if label != "comments":
            deleted += story.deleted
            fields += story.fields
            attrs += story.attrs
    if comments is not None and comments.segments:
        units.append(comments)
    generic_units = []
    for part in lay.generic:
        story = walk(pkg.xml(part))
        if story.paragraphs:
            generic_units.append(Unit(f"part {part}", list(story.paragraphs), sep=PARAGRAPH_BREAK))
        deleted += story.deleted
        fields += story.fields
        attrs += story.attrs
    for source in [""] + [n for n in pkg.names if n in lay.kept_parts]:
        for rel in pkg.relationships(source):
            if rel.external and rel.type_name == "hyperlink" and rel.target.strip():
                fields.append([Slot(rel.elem, "url", urllib.parse.unquote(rel.target), "Target")])
    if deleted:
        units.append(Unit("tracked deletions", deleted, removed=True))
    if fields:
        units.append(Unit("field codes and link targets", fields))
    if attrs:
        units.append(Unit("alt text and object names", attrs))
    props = [seg for part in lay.properties for seg in _property_segments(pkg.xml(part))]
    if props:
        units.append(Unit("document properties", props))
    units += generic_units
    units += [Unit(f"embedded image {part}", image=part) for part in lay.images]
    return units, lay


EMU_PER_POINT = 12700  # DrawingML lengths: 914400 EMU to the inch


@dataclass
class PictureUse:
    """Where an image part is drawn in a story: its size there (points) and the text round
    it (its own paragraph, the nearest non-empty paragraphs before, nearest first, and after)."""

    part: str
    width: float
    height: float
    own: str
    before: tuple[str, ...]
    after: tuple[str, ...]


def picture_uses(pkg: Package, lay: Layout, reach: int = 3) -> dict[str, list[PictureUse]]:
    """Every drawing (``w:drawing`` with a picture) of the main stories (body, headers,
    footers, notes), by image part, with its size and the paragraphs round it: what tells a
    signature picture from a logo (recognizers/signatures.py)."""
    out: dict[str, list[PictureUse]] = {}
    for part, _label in lay.stories:
        rels = {rel.id: rel.part for rel in pkg.relationships(part) if not rel.external}
        root = pkg.xml(part)
        paras: list[tuple[str, list[tuple[str, float, float]]]] = []
        for p in root.iter():
            if key(p.tag) != "w:p":
                continue
            texts, pics = [], []
            for el in p.iter():
                k = key(el.tag)
                if k == "w:t" and el.text:
                    texts.append(el.text)
                elif k == "w:drawing":
                    size = next((e for e in el.iter() if local(str(e.tag)) == "extent"), None)
                    blip = next((e for e in el.iter() if local(str(e.tag)) == "blip"), None)
                    if size is None or blip is None:
                        continue
                    embed = next((v for a, v in blip.attrib.items() if local(a) == "embed"), None)
                    target = rels.get(embed or "")
                    try:
                        w, h = int(size.get("cx", "0")) / EMU_PER_POINT, int(size.get("cy", "0")) / EMU_PER_POINT
                    except ValueError:
                        continue
                    if target:
                        pics.append((target, w, h))
            paras.append(("".join(texts).strip(), pics))
        for i, (own, pics) in enumerate(paras):
            if not pics:
                continue
            before = tuple(t for t, _ in reversed(paras[max(0, i - 3 * reach):i]) if t)[:reach]
            after = tuple(t for t, _ in paras[i + 1:i + 1 + 3 * reach] if t)[:reach]
            for target, w, h in pics:
                out.setdefault(target, []).append(PictureUse(target, w, h, own, before, after))
    return out
