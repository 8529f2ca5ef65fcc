"""Tables and forms: a column header's or a field label's meaning carried to its values.

On the rows of a page (layout.py) this finds

- **tables**: a header row whose cells are column labels (fields.yaml), at least one of them
  naming personal data ("DOB", "DL #", "Name", "Address", "Phone"). Every cell under such a
  column, down to where the table ends, is that kind of data, however it is written and
  however many lines it wraps over: a cell wrapped over several lines (or cut mid-word by a
  narrow PDF column) is withheld whole, every fragment of it.
- **forms**: a label cell with its value in the next cell to the right ("Passport No." ...
  "599263730"), continued on the lines below when it wraps; a label alone on its line with
  the value on the next line; and "Label: value" at the start of a line.

A value is taken only when it looks like a value of its field (a name, a date, an identifier
with digits, a phone number...) and is not a placeholder ("unknown", "N/A"), so a table of
event dates or amounts gives nothing, and neither does a heading under a label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .fields import IDENTIFIER_SHAPES, Field, Lexicon, fits, label_key, lexicon
from .layout import Cell, Grid, Row, grid, split_at
from .validators import VALIDATORS


@dataclass(frozen=True)
class Hit:
    """A value found by its label: ``spans`` are the pieces of the page text it occupies."""

    spans: tuple[tuple[int, int], ...]
    entity: str
    score: float
    recognizer: str
    explanation: str


TABLE = "TableColumnInContext"
FORM = "FormFieldInContext"

# A column of these names the organisation a row is about: its addresses and phones are an
# organisation's, not a person's.
_ORG_COLUMNS = {"vendor", "company", "business", "organization", "organisation", "agency", "firm",
                "contractor", "supplier", "employer", "school", "hospital", "bank", "office", "department"}
_VALIDATE = {"US_BANK_ROUTING": "aba_routing", "US_SSN": "us_ssn", "VIN": "vin", "CREDIT_CARD": "luhn"}


def find(text: str, boxes: Sequence | None = None) -> list[Hit]:
    """Values of labelled fields and table columns on one page (``boxes``: the page's
    character boxes, or None for plain text)."""
    return _find(text, boxes, None)[0]


def find_pages(pages: Sequence[tuple[str, Sequence | None]]) -> list[list[Hit]]:
    """Values of labelled fields and table columns on each page of a document (``pages``:
    (text, character boxes) per page). A table that runs to the foot of a page carries its
    columns' meaning to the next page when that page's first rows stand in the same columns:
    a long table prints its header once, on its first page."""
    out = []
    carried = None
    for text, boxes in pages:
        hits, carried = _find(text, boxes, carried)
        out.append(hits)
    return out


@dataclass(frozen=True)
class _Columns:
    """A table's columns as its header set them: what each column holds and where it starts."""

    names: tuple[str, ...]
    fields: tuple[Field | None, ...]
    lefts: tuple[float, ...]
    bounds: tuple[float, ...]
    delimited: str
    geometric: bool
    org_table: bool
    # where the cells of the table's first full row start: a cell that runs on into the
    # next column ("Chateau at  Carmichael") is cut there
    starts: tuple[float, ...] = ()


def _find(text: str, boxes: Sequence | None, carried: "_Columns | None"):
    g = grid(text, boxes)
    lex = lexicon()
    hits: list[Hit] = []
    used: set[int] = set()
    rows = g.rows
    open_table = None
    i = 0
    if carried is not None:
        start = _continued_at(g, carried, lex)
        if start is not None:
            end, body_hits = _body(g, start, carried, lex, text, continued=True)
            hits.extend(body_hits)
            used.update(range(start, end))
            i = end
            open_table = carried if _runs_to_foot(g, end) else None
    while i < len(rows):
        table = _table_at(g, i, lex, text)
        if table is None:
            i += 1
            continue
        end, table_hits, columns = table
        hits.extend(table_hits)
        used.update(range(i, end))
        open_table = columns if _runs_to_foot(g, end) else None
        i = max(end, i + 1)
    for i, row in enumerate(rows):
        if i not in used:
            hits.extend(_form_row(g, i, lex, used))
    taken = [span for h in hits for span in h.spans]
    hits.extend(h for h in _in_prose(text, lex)
                if not any(a < h.spans[0][1] and h.spans[0][0] < b for a, b in taken))
    return [_spans_merged(text, h) for h in hits], open_table


# A table's last row may be followed on its page by a footer ("Page 2 of 16", a date) and a
# continued table's first row preceded by a running head: this many rows at most.
_FURNITURE_ROWS = 3


def _runs_to_foot(g: Grid, end: int) -> bool:
    """Does the table that ended at row ``end`` run to the foot of its page (nothing after
    it but a few one-cell lines of page furniture)?"""
    rest = g.rows[end:]
    return len(rest) <= _FURNITURE_ROWS and all(_furniture(r) for r in rest)


_RULE = re.compile(r"[-=_~. \t]*[-=_~]{3,}[-=_~. \t]*")


def _rule(row: Row) -> bool:
    """A line drawn in characters ("--------  -----"): it separates rows, it holds no value."""
    return all(_RULE.fullmatch(c.text) for c in row.cells)


def _furniture(row: Row) -> bool:
    """A running head or foot: one short cell ("WARN Report", "Page 2 of 16"), not prose."""
    return len(row.cells) == 1 and len(row.cells[0].text.split()) <= 8


def _continued_at(g: Grid, cols: _Columns, lex: Lexicon) -> int | None:
    """The first row of a table continued from the page before, or None: one of the page's
    first rows whose cells stand one in each of the carried columns, as many as a row of the
    table (at least two, in different columns, none reaching into the next column), and
    which is not a header of its own."""
    if g.geometric != cols.geometric:
        return None
    for i, row in enumerate(g.rows[:_FURNITURE_ROWS + 1]):
        if len(row.cells) < 2:
            if _furniture(row):
                continue
            return None
        if row.delimited != cols.delimited or _header_fields(row, lex) is not None:
            return None
        if cols.delimited:
            ks = [int(c.u0) for c in row.cells]
            fits_columns = len(row.cells) == len(cols.names)
        else:
            ks = [_column(list(cols.bounds), c) for c in row.cells]
            fits_columns = (None not in ks and len(set(ks)) == len(ks)
                            and len(ks) >= max(2, 0.6 * len(cols.names))
                            and not _crosses(g, list(cols.lefts), row.cells, ks))
        return i if fits_columns else None
    return None


# An identifier right after its label in a sentence ("her driver licence D1234567 was
# suspended", "passport no. 533380006"): a token with a digit, after one to five words that
# are, whole, an identifier field's label (fields.yaml, shape "identifier").
_PROSE_VALUE = re.compile(r"(?<![\w-])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{4,24}(?![\w-]|[.,]\d)")
_PROSE_LABEL = re.compile(r"((?:[^\W\d_][\w'’/]*\.?[ \t]+){0,4}[^\W\d_][\w'’/]*\.?)[ \t]*(?:#|:)?[ \t]*$")


def _in_prose(text: str, lex: Lexicon) -> list[Hit]:
    out = []
    for m in _PROSE_VALUE.finditer(text):
        tail = _PROSE_LABEL.search(text[max(0, m.start() - 64):m.start()])
        if not tail:
            continue
        words = tail.group(1).split()
        for n in range(len(words), 0, -1):
            label = " ".join(words[-n:])
            f = lex.field(label)
            if f is None or f.shape not in IDENTIFIER_SHAPES:
                continue
            check = _VALIDATE.get(f.entity)
            if check and not VALIDATORS[check](m.group(0)):
                break  # in running text a number with a check digit must pass it
            if fits(f, m.group(0)):
                why = f"value after the label '{label.rstrip('.')}' in a sentence"
                out.append(Hit(((m.start(), m.end()),), f.entity, _score(f, m.group(0), 0.75), FORM, why))
            break
    return out


# ---------------------------------------------------------------------------------------- tables

def _header_fields(row: Row, lex: Lexicon) -> list[Field | None] | None:
    cells = row.cells
    if len(cells) < 2 or any(ch.isdigit() for c in cells for ch in c.text):
        return None
    if any(len(c.text) > 40 or len(c.text.split()) > 5 for c in cells):
        return None
    known = [lex.is_label(c.text) for c in cells]
    if sum(known) < 2 or sum(known) < 0.6 * len(cells):
        return None
    fields = [lex.field(c.text) for c in cells]
    return fields if any(fields) else None


def _table_at(g: Grid, i: int, lex: Lexicon, text: str):
    rows = g.rows
    header = rows[i]
    fields = _header_fields(header, lex)
    if fields is None:
        return None
    names = [c.text for c in header.cells]
    lefts = [c.u0 for c in header.cells]
    bounds = _bounds(g, header.cells)
    j = i + 1
    # A header cell wrapped over two lines ("Addres" / "s", "Date of" / "Birth"); a rule
    # drawn in dashes under the header is no part of it.
    while j < len(rows) and _rule(rows[j]):
        j += 1
    while j < len(rows) and not header.delimited and _continues(g, rows[j]) and not _rule(rows[j]):
        cols = [_column(bounds, c) for c in rows[j].cells]
        if None in cols or any(ch.isdigit() for c in rows[j].cells for ch in c.text):
            break
        merged = list(names)
        for c, k in zip(rows[j].cells, cols):
            merged[k] = merged[k] + " " + c.text
        new = [lex.field(n) for n in merged]
        known, now = sum(f is not None for f in fields), sum(f is not None for f in new)
        if now < known or (not g.geometric and now == known):
            break  # a second header line of its own ("SERIAL NUMBER" under "TYPE"), not a wrap
        names, fields = merged, new
        j += 1
    if not header.delimited:
        bounds = _calibrated(g, bounds, header.cells, rows[j:j + 6])
    full = next((r for r in rows[j:j + 6] if len(r.cells) == len(header.cells)), None)
    starts = tuple(c.u0 for c in full.cells[1:]) if full is not None and not header.delimited else ()
    columns = _Columns(tuple(names), tuple(fields), tuple(lefts), tuple(bounds), header.delimited,
                       g.geometric, any(label_key(n) in _ORG_COLUMNS for n in names), starts)
    end, hits = _body(g, j, columns, lex, text)
    return end, hits, columns


def _body(g: Grid, j: int, columns: _Columns, lex: Lexicon, text: str, continued: bool = False):
    """The cells of a table's rows from row ``j`` down to where the table ends, as hits of
    their columns' fields: (the row after the table, hits)."""
    rows = g.rows
    names, fields, delimited = columns.names, columns.fields, columns.delimited
    lefts, bounds = list(columns.lefts), list(columns.bounds)
    edges = lefts[1:] + bounds[1:] + list(columns.starts)
    org_table = columns.org_table
    first = j
    # cells[k] = fragments of the current cell of column k
    current: dict[int, list[Cell]] = {}
    values: list[tuple[int, list[Cell]]] = []

    def flush():
        for k, frags in current.items():
            values.append((k, frags))
        current.clear()

    while j < len(rows):
        row = rows[j]
        if _rule(row):  # a rule drawn in dashes between rows (a system printout's)
            j += 1
            continue
        if g.geometric:  # a cell whose text runs up to the next column's: cut where that column starts
            cells = tuple(p for c in row.cells for p in split_at(text, c, edges, 0.2 * row.height))
            row = Row(cells, row.v0, row.v1, row.gap, row.delimited, row.height)
        if delimited:
            if row.delimited != delimited or _header_fields(row, lex) is not None:
                break
            cols = [int(c.u0) if int(c.u0) < len(lefts) else None for c in row.cells]
            new_row = True
        else:
            if row.delimited or _header_fields(row, lex) is not None:
                break
            # the space above a continued table's first row is the page's, not the table's
            big = j > first and row.gap > (2.5 if g.geometric else 1.5)
            new_row = not _continues(g, row)
            if (new_row and g.geometric and len(row.cells) == 1 and row.gap <= 1.0 and current
                    and _column(bounds, row.cells[0]) in current):
                # One more line of a cell wrapped over many (an address in a narrow column),
                # set a little further down than the lines before it: OCR'd lines are
                # placed less evenly than a PDF's; a new row starts with its first column.
                new_row = False
            if big or (new_row and len(row.cells) < 2):
                break
            cols = [_column(bounds, c) for c in row.cells]
            if None in cols or _crosses(g, lefts, row.cells, cols):
                break
            if not g.geometric and not new_row and 0 in cols:
                new_row = True  # text: a line with a first-column cell starts a row
        if new_row:
            flush()
        for c, k in zip(row.cells, cols):
            if k is None:
                continue
            current.setdefault(k, []).append(c)
        j += 1
    flush()
    hits = _categories(values, fields, names)
    for k, frags in values:
        f = fields[k]
        if f is None:
            continue
        value = _joined(frags)
        if fits(f, value):
            pieces = [frags]
        else:
            # Rows set close together (a scan's rows jitter) read as one wrapped cell: each
            # line that is a value of the column by itself is still one.
            pieces = [[c] for c in frags] if len(frags) > 1 else []
        for part in pieces:
            value = _joined(part)
            if not fits(f, value):
                continue
            score = _score(f, value, 0.85)
            why = f"in a table column headed '{' '.join(names[k].split())}'"
            if continued:
                why += " on an earlier page"
            if org_table and f.entity in ("STREET_ADDRESS", "PHONE_NUMBER"):
                score = 0.3
                why += "; a row about an organisation"
            hits.append(Hit(tuple((c.start, c.end) for c in part), f.entity, score, TABLE, why))
    return j, hits


CATEGORY = "CATEGORY"
# A column of a table that names no personal data and, over this many rows at least, holds
# only a few values each repeated on many rows ("Layoff Permanent", "Closure Temporary"): a
# category or a status, whatever the model reads in it.
_CATEGORY_ROWS = 8


def _categories(values, fields, names) -> list[Hit]:
    # per line of a cell: rows set close together read as one wrapped cell (see _body)
    by_column: dict[int, list[Cell]] = {}
    for k, frags in values:
        if fields[k] is None:
            by_column.setdefault(k, []).extend(frags)
    out = []
    for k, cells in by_column.items():
        distinct = {" ".join(c.text.lower().split()) for c in cells}
        if len(cells) < _CATEGORY_ROWS or len(distinct) > max(2, len(cells) // 4):
            continue
        why = (f"a category in the table column headed '{' '.join(names[k].split())}' "
               f"({len(distinct)} values over {len(cells)} lines)")
        out.extend(Hit(((c.start, c.end),), CATEGORY, 0.0, TABLE, why) for c in cells)
    return out


def _continues(g: Grid, row: Row) -> bool:
    """Is ``row`` the next line of the cells above (no space of a new row before it)?"""
    return row.gap <= 0.5 if g.geometric else row.gap == 0


def _bounds(g: Grid, header: Sequence[Cell]) -> list[float]:
    """Where each column starts: before its header's text, and at the latest half-way between
    the header texts either side (a centred header stands right of its cells' left edge)."""
    first = header[0]
    out = [first.u0 - max(g.tol, first.u1 - first.u0)]
    for prev, cur in zip(header, header[1:]):
        out.append(min(cur.u0 - g.tol, (prev.u1 + cur.u0) / 2))
    return out


def _calibrated(g: Grid, bounds: list[float], header: Sequence[Cell], rows: Sequence[Row]) -> list[float]:
    """Column starts moved left to where the cells of the first full row start, when that row
    pairs off with the header (its k-th cell under the k-th header text): a wide column's
    header centred over it starts well right of its cells."""
    for row in rows:
        cells = row.cells
        if len(cells) != len(header):
            continue
        # the k-th cell starts before the k-th header text ends, and ends after the one before
        if all(c.u0 <= h.u1 and (k == 0 or c.u1 >= header[k - 1].u1)
               for k, (c, h) in enumerate(zip(cells, header))):
            out = [min(b, c.u0 - g.tol) for b, c in zip(bounds, cells)]
            if all(a < b for a, b in zip(out, out[1:])):
                return out
        break
    return bounds


def _column(bounds: list[float], cell: Cell, slack: float = 0.0) -> int | None:
    """The column ``cell`` starts in; ``slack``: how far left of a column's start a cell cut
    there (split_at) may begin."""
    u0 = cell.u0 + slack
    if u0 < bounds[0]:
        return None
    k = 0
    for idx, b in enumerate(bounds):
        if u0 >= b:
            k = idx
    return k


def _crosses(g: Grid, lefts: list[float], cells: Sequence[Cell], cols: list) -> bool:
    """A cell reaching well into the next column: prose, not a table row."""
    for c, k in zip(cells, cols):
        if k is not None and k + 1 < len(lefts) and c.u1 > lefts[k + 1] + 2 * g.tol:
            return True
    return False


# ----------------------------------------------------------------------------------------- forms

_INLINE = re.compile(r"^(?P<label>[^:\n]{1,40}?)\s*:\s*(?P<value>\S.*)$")


def _form_row(g: Grid, i: int, lex: Lexicon, used: set[int]) -> list[Hit]:
    rows = g.rows
    row = rows[i]
    out = []
    cells = row.cells
    for idx, c in enumerate(cells):
        f = lex.field(c.text)
        if f is None:
            out.extend(_inline(c, lex))
            continue
        if idx + 1 < len(cells):
            value = cells[idx + 1]
            if lex.is_label(value.text):
                continue
            frags = [value] + _wrapped(g, i, value, used)
            why = f"value of the form field '{' '.join(c.text.split())}'"
        elif len(cells) == 1:
            below = _value_below(g, i, c, lex, used)
            if below is None:
                continue
            frags = below
            why = f"value on the line below the label '{' '.join(c.text.split())}'"
        else:
            continue
        value = _joined(frags)
        if fits(f, value):
            out.append(Hit(tuple((x.start, x.end) for x in frags), f.entity, _score(f, value, 0.85), FORM, why))
    return out


_COLON = re.compile(r"(?<![:/])\s*:\s+(?=\S)")
_LABEL_WORDS = re.compile(r"[^\W\d_][\w.#/'’()-]*")


def _inline(c: Cell, lex: Lexicon) -> list[Hit]:
    """"Label: value" in a cell, at its start or after another field ("Victim: Ann Lee, DOB:
    01/02/1990, Phone: ..."): the label is the last one to four words before a colon."""
    text = c.text
    labels = []  # (label start, label end, value start, field)
    for m in _COLON.finditer(text):
        words = list(_LABEL_WORDS.finditer(text[max(0, m.start() - 48):m.start()]))
        offset = max(0, m.start() - 48)
        for n in range(min(4, len(words)), 0, -1):
            first = words[-n]
            ls = offset + first.start()
            between = text[ls:m.start()]
            if any(ch in between for ch in ",;|:"):
                continue
            if ls > 0 and not (text[ls - 1].isspace() or text[ls - 1] in ",;|("):
                continue
            f = lex.field(between)
            if f is not None:
                labels.append((ls, m.start(), m.end(), f))
                break
        else:
            # an unknown label ends the value before it all the same ("Sex: M")
            if words and words[-1].group(0)[:1].isupper():
                labels.append((offset + words[-1].start(), m.start(), m.end(), None))
    out = []
    for k, (ls, le, vs, f) in enumerate(labels):
        if f is None:
            continue
        ve = labels[k + 1][0] if k + 1 < len(labels) else len(text)
        value = text[vs:ve].rstrip(" ,;|")
        if not fits(f, value):
            continue
        why = f"value of the field '{' '.join(text[ls:le].split())}'"
        out.append(Hit(((c.start + vs, c.start + vs + len(value)),), f.entity, _score(f, value, 0.85), FORM, why))
    return out


def _wrapped(g: Grid, i: int, value: Cell, used: set[int]) -> list[Cell]:
    """The lines a value cell wraps onto: same left edge, nothing in the label column."""
    out = []
    for j in range(i + 1, len(g.rows)):
        row = g.rows[j]
        if j in used or not _continues(g, row) or row.delimited != g.rows[i].delimited:
            break
        if any(c.u0 < value.u0 - g.tol for c in row.cells):
            break
        nxt = [c for c in row.cells if abs(c.u0 - value.u0) <= g.tol]
        if not nxt:
            break
        out.append(nxt[0])
    return out


def _value_below(g: Grid, i: int, label: Cell, lex: Lexicon, used: set[int]) -> list[Cell] | None:
    if i + 1 >= len(g.rows) or (i + 1) in used:
        return None
    row = g.rows[i + 1]
    if row.gap > (1.3 if g.geometric else 1):
        return None
    first = row.cells[0]
    if abs(first.u0 - label.u0) > g.tol or lex.is_label(first.text) or _INLINE.match(first.text):
        return None
    if len(row.cells) > 1:
        return None
    return [first] + _wrapped(g, i + 1, first, used)


# -------------------------------------------------------------------------------------- helpers

def _joined(frags: Sequence[Cell]) -> str:
    """A wrapped value read back: a fragment that continues a word ("Sta" / "nley", "895.466.24" /
    "95") is joined without a space."""
    out = frags[0].text
    for c in frags[1:]:
        nxt = c.text
        glue = "" if (nxt[:1].islower() and out[-1:].isalpha()) or (nxt[:1].isdigit() and out[-1:].isdigit()) else " "
        out += glue + nxt
    return out


def _score(f: Field, value: str, base: float) -> float:
    check = _VALIDATE.get(f.entity)
    if check and VALIDATORS[check](value):
        return min(0.95, base + 0.1)
    return base


def _spans_merged(text: str, hit: Hit) -> Hit:
    """Neighbouring fragments with only a line break or a space or two between them become one
    span (a PDF cell wrapped over lines); the indentation before a wrapped cell of a text table
    is not part of the value."""
    spans = sorted(hit.spans)
    out = [spans[0]]
    for s, e in spans[1:]:
        ps, pe = out[-1]
        if s >= pe and not text[pe:s].strip() and (s - pe <= 2 or text[pe:s] == "\n"):
            out[-1] = (ps, max(pe, e))
        else:
            out.append((s, e))
    return Hit(tuple(out), hit.entity, hit.score, hit.recognizer, hit.explanation)
