"""Tables and forms (recognizers/tables.py, layout.py, fields.py): a header's or a label's
meaning carried to its values, in plain text and in text-layer PDFs built here with known
truth, wrapped cells withheld whole, and the near misses that must stay."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from recognizers.fields import label_key, lexicon
from recognizers.tables import find


def values(text: str, boxes=None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for h in find(text, boxes):
        out.setdefault(h.entity, set()).add(" ".join(" ".join(text[s:e] for s, e in h.spans).split()))
    return out


PIPE_TABLE = """PERSONS

Role  |  Name  |  DOB  |  Address  |  Phone  |  DL #

Victim  |  Ricardo Howell  |  12/09/1991  |  49647 Barnes Rapids, Alanbury, MN 46249  |  736-664-5645  |  D767408449

Witness  |  Robert Warner  |    |  435 Shaw Rue, Ericksonton, ME 03139  |  (334) 348-8929  |

Suspect  |  Dale Howard  |  January 12, 1983  |  unknown  |    |  S92116169

VEHICLE
"""


def test_pipe_table_columns_carry_their_meaning():
    v = values(PIPE_TABLE)
    assert v["PERSON"] == {"Ricardo Howell", "Robert Warner", "Dale Howard"}
    assert v["DATE_OF_BIRTH"] == {"12/09/1991", "January 12, 1983"}
    assert v["STREET_ADDRESS"] == {"49647 Barnes Rapids, Alanbury, MN 46249", "435 Shaw Rue, Ericksonton, ME 03139"}
    assert v["PHONE_NUMBER"] == {"736-664-5645", "(334) 348-8929"}
    assert v["US_DRIVER_LICENSE"] == {"D767408449", "S92116169"}
    # placeholders and role words are not values
    assert "unknown" not in v["STREET_ADDRESS"]
    assert not any("Victim" in x for xs in v.values() for x in xs)


ALIGNED = """Role       Name                DOB          Home address
Owner      Priya Raghunathan   12 Aug 1990  918 Linden
                                            Hollow Rd,
                                            Fairview, OR
                                            97024
Driver     Kenji Oyelaran      1/9/1958     44 Mill Race
                                            Ct, Gresham,
                                            OR 97030

Reviewed on March 6, 2024.
"""


def test_aligned_table_with_wrapped_cells_is_withheld_whole():
    hits = [h for h in find(ALIGNED) if h.entity == "STREET_ADDRESS"]
    assert len(hits) == 2
    for h, frags in zip(hits, (["918 Linden", "Hollow Rd,", "Fairview, OR", "97024"],
                               ["44 Mill Race", "Ct, Gresham,", "OR 97030"])):
        covered = "".join(ALIGNED[s:e] for s, e in h.spans)
        for frag in frags:
            assert frag in covered
    v = values(ALIGNED)
    assert v["DATE_OF_BIRTH"] == {"12 Aug 1990", "1/9/1958"}
    assert "March 6, 2024" not in str(v)  # an event date after the table stays


def test_tab_table_and_key_value_rows():
    text = ("Item\tQty\tUnit price\tTotal\nPump seals\t12\t$45.00\t$540.00\n\n"
            "Payee\tRouting\tAcct\nImogen Saltonstall\t021000021\t4401 2290 7781\n\n"
            "Field  |  Value\n\nVendor  |  Bayside Mechanical LLC\n\nAmount  |  $377,476.00\n\n"
            "ABA routing  |  011000015\n\nAccount number  |  269773284090\n\nAward date  |  19 September 2024\n")
    v = values(text)
    assert v["PERSON"] == {"Imogen Saltonstall"}
    assert v["US_BANK_ROUTING"] == {"021000021", "011000015"}
    assert v["US_BANK_NUMBER"] == {"4401 2290 7781", "269773284090"}
    assert v.pop("ORGANIZATION") == {"Bayside Mechanical LLC"}  # an organisation's field: kept, never a person
    everything = " ".join(x for xs in v.values() for x in xs)
    for kept in ("$45.00", "$540.00", "$377,476.00", "19 September 2024", "Bayside", "12"):
        assert kept not in everything.split() and kept not in everything


def test_form_labels_beside_below_and_inline():
    text = ("Applicant           Agnieszka Wróblewska\nDate of Birth       02/09/1943\n"
            "Passport No.        599263730\nResidence           6338 Frank Fort Apt. 782,\n"
            "                    Angelashire, OH 85359\n\nDate of birth:\n1943-02-09\n\n"
            "DL: 518585784\nDate of Occurrence: 11/11/2024\nPhone: unknown\n")
    v = values(text)
    assert v["PERSON"] == {"Agnieszka Wróblewska"}
    assert v["DATE_OF_BIRTH"] == {"02/09/1943", "1943-02-09"}
    assert v["US_PASSPORT"] == {"599263730"}
    assert v["STREET_ADDRESS"] == {"6338 Frank Fort Apt. 782, Angelashire, OH 85359"}
    assert v["US_DRIVER_LICENSE"] == {"518585784"}
    assert "PHONE_NUMBER" not in v  # a placeholder
    assert "11/11/2024" not in str(v)  # the date of an event, not of a birth


def test_business_rows_are_not_personal():
    text = "Vendor  |  Address  |  Phone\n\nAcme Paving LLC  |  12 Industrial Way, Salem, OR 97301  |  503-555-0100\n"
    hits = [h for h in find(text) if h.entity in ("STREET_ADDRESS", "PHONE_NUMBER")]
    assert hits and all(h.score < 0.4 for h in hits)


@pytest.mark.parametrize("label,entity", [
    ("Passport No.", "US_PASSPORT"), ("PASSPORT #", "US_PASSPORT"), ("Pasport number", "US_PASSPORT"),
    ("DL #", "US_DRIVER_LICENSE"), ("Driver's Lic. No.", "US_DRIVER_LICENSE"), ("D.O.B.", "DATE_OF_BIRTH"),
    ("Date of Brith", "DATE_OF_BIRTH"), ("ABA", "US_BANK_ROUTING"), ("Routing No.", "US_BANK_ROUTING"),
    ("Acct #", "US_BANK_NUMBER"), ("MRN", "MEDICAL_RECORD_NUMBER"), ("Badge No.", "BADGE_NUMBER"),
    ("SSN:", "US_SSN"), ("Adress", "STREET_ADDRESS"), ("Addres\ns", "STREET_ADDRESS"),
    ("Owner (sole proprietor)", "PERSON"), ("Telphone", "PHONE_NUMBER"), ("Debtor 1", "PERSON"),
    ("Petitioner:", "PERSON"),
])
def test_labels_abbreviations_and_misspellings(label, entity):
    f = lexicon().field(label)
    assert f is not None and f.entity == entity


@pytest.mark.parametrize("label", ["Contract No.", "Date of Occurrence", "Amount", "Award date", "Vendor",
                                   "Title", "Description", "Case Number",
                                   "PRESIDENT"])  # not "Resident" mistyped: typos spare the first letter
def test_neutral_labels_name_no_personal_field(label):
    f = lexicon().field(label)
    assert f is None or f.entity == "ORGANIZATION"  # "Vendor": an organisation's name, kept


_WORD = st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=1).flatmap(
    lambda first: st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=9).map(lambda rest: first + rest))
_DATE = st.tuples(st.integers(1, 12), st.integers(1, 28), st.integers(1920, 2010)).map(
    lambda t: f"{t[0]:02d}/{t[1]:02d}/{t[2]}")
_ID = st.tuples(st.sampled_from("ABDSUW"), st.integers(10 ** 7, 10 ** 9 - 1)).map(lambda t: f"{t[0]}{t[1]}")


@hsettings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.tuples(_WORD, _WORD), _DATE, _ID), min_size=1, max_size=5),
       sep=st.sampled_from(["  |  ", "\t", " | "]), blank=st.booleans())
def test_generated_delimited_tables(rows, sep, blank):
    """Any persons table in the grammar header + rows (any separator, blank lines or not):
    every name, date of birth and licence is found, nothing of the header is."""
    lines = [sep.join(["Name", "DOB", "DL #"])]
    for (first, last), dob, dl in rows:
        lines.append(sep.join([f"{first} {last}", dob, dl]))
    text = ("\n\n" if blank else "\n").join(lines) + "\n"
    v = values(text)
    assert v.get("PERSON", set()) == {f"{a} {b}" for (a, b), _, _ in rows}
    assert v.get("DATE_OF_BIRTH", set()) == {d for _, d, _ in rows}
    assert v.get("US_DRIVER_LICENSE", set()) == {x for _, _, x in rows}


# ------------------------------------------------------------------------------ text-layer PDFs

def _pdf_persons_table(path, col_width: float = 48, centred: bool = False):
    """A persons table drawn the way report generators draw one: narrow cells that wrap their
    text mid-word, ruled grid, a form above it and a narrative below."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica", 8)
    y = 740
    for label, value in (("Case Number", "RPD-2024-34870"), ("Date of Birth", "02/09/1943"),
                         ("Passport No.", "599263730")):
        c.drawString(60, y, label)
        c.drawString(160, y, value)
        y -= 14
    y -= 10
    header = ["Role", "Name", "DOB", "Address", "Phone", "DL #"]
    rows = [["Victim", "Andrew Stanley", "07/20/1981", "9149 Foster Meadows, North Mariafurt, ME 90796",
             "895.466.2495", "U799978672"],
            ["Suspect", "Justin Moore", "1962-08-16", "unknown", "", "D562-1154-7299"]]

    def wrap(text: str) -> list[str]:
        out, line = [], ""
        for ch in text:
            if c.stringWidth(line + ch, "Helvetica", 8) > col_width - 6:
                out.append(line)
                line = ""
            line += ch
        return out + ([line] if line else [])

    for row in [header] + rows:
        cells = [wrap(t) for t in row]
        height = 10 * max(len(x) for x in cells) + 6
        for k, lines in enumerate(cells):
            x = 60 + k * col_width
            c.rect(x, y - height + 8, col_width, height)
            for n, line in enumerate(lines):
                if centred and row is header:  # word processors centre header text over its column
                    c.drawCentredString(x + col_width / 2, y - 10 * n, line.strip())
                else:
                    c.drawString(x + 3, y - 10 * n, line.strip())
        y -= height + 2
    y -= 20
    c.drawString(60, y, "On 08/09/2024 officers responded to a report of theft from a motor vehicle.")
    c.save()


@pytest.mark.parametrize("centred", [False, True])
def test_pdf_table_with_wrapped_cells(tmp_path, centred):
    from redactor.formats.pdf.read import read_pdf

    path = tmp_path / "persons.pdf"
    _pdf_persons_table(path, centred=centred)
    page = read_pdf(path).pages[0]
    hits = find(page.text, page.char_boxes)

    def squeezed(entity):
        return {"".join("".join(page.text[s:e] for s, e in h.spans).split()) for h in hits if h.entity == entity}

    assert squeezed("PERSON") == {"AndrewStanley", "JustinMoore"}
    assert squeezed("DATE_OF_BIRTH") >= {"07/20/1981", "1962-08-16", "02/09/1943"}
    assert squeezed("STREET_ADDRESS") == {"9149FosterMeadows,NorthMariafurt,ME90796"}
    assert squeezed("PHONE_NUMBER") == {"895.466.2495"}
    assert squeezed("US_DRIVER_LICENSE") == {"U799978672", "D562-1154-7299"}
    assert squeezed("US_PASSPORT") == {"599263730"}
    found = " ".join(page.text[s:e] for h in hits for s, e in h.spans)
    assert "RPD-2024" not in found and "08/09/2024" not in found


def test_ocr_dollar_for_s_in_an_identifier_column_and_card_columns():
    """OCR reads a licence number's S as '$' ("$90217865"): still the column's identifier; an
    amount ("$1,500.00", "$250") never is. A 'Card No.' column is a card number's."""
    text = ("Name  |  DL #  |  Card No.  |  Exp\n"
            "Ann Lee  |  S$90217865  |  5131 0427 8841 2214  |  08/27\n"
            "Bo Chan  |  D1234567  |  4532 7715 0924 8816  |  11/26\n")
    v = values(text)
    assert v["US_DRIVER_LICENSE"] == {"S$90217865", "D1234567"}
    assert v["CREDIT_CARD"] == {"5131 0427 8841 2214", "4532 7715 0924 8816"}
    amounts = "Account  |  Status\n$1,500.00  |  paid\n$250  |  due\n"
    assert "US_BANK_NUMBER" not in values(amounts)


def test_label_key_ignores_case_punctuation_and_number_words():
    assert label_key("Passport No.:") == label_key("PASSPORT #") == label_key("passport number") == "passport"
    assert label_key("Date of\nBirth") == "dateofbirth"


def test_several_fields_on_one_line():
    text = ("Victim: Ann Lee, DOB: 01/02/1990, Phone: 555-201-3344\n"
            "DOB: 03/04/1985 Sex: M Race: W\nTime: 10:30 a.m. Date of Occurrence: 11/11/2024\n")
    v = values(text)
    assert v["PERSON"] == {"Ann Lee"}
    assert v["DATE_OF_BIRTH"] == {"01/02/1990", "03/04/1985"}
    assert v["PHONE_NUMBER"] == {"555-201-3344"}
    assert "11/11/2024" not in str(v) and "10:30" not in str(v)


def _pdf_table(path, header, rows, widths, centred=False):
    """A ruled table with each cell's text wrapped to its column (mid-word, as narrow report
    columns do), a paragraph above and one below."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica", 8)
    c.drawString(60, 750, "Reported on 03/05/2024 by the Records Unit.")
    y = 720

    def wrap(text, width):
        out, line = [], ""
        for ch in text:
            if c.stringWidth(line + ch, "Helvetica", 8) > width - 6:
                out.append(line)
                line = ""
            line += ch
        return out + ([line] if line else [])

    for row in [header] + rows:
        cells = [wrap(t, w) for t, w in zip(row, widths)]
        height = 10 * max(1, max(len(x) for x in cells)) + 6
        x = 60
        for lines, w in zip(cells, widths):
            c.rect(x, y - height + 8, w, height)
            for n, line in enumerate(lines):
                if centred and row is header:
                    c.drawCentredString(x + w / 2, y - 10 * n, line.strip())
                else:
                    c.drawString(x + 3, y - 10 * n, line.strip())
            x += w
        y -= height + 2
    c.drawString(60, y - 20, "The case remains open pending review on 04/01/2024.")
    c.save()


# Names the standard Helvetica of the generated PDFs can draw (WinAnsi: "ü", "ñ", not "ł").
_PDF_NAME = st.tuples(st.sampled_from(["Ana", "Kenneth", "Gregory", "Zoë", "Jürgen", "Abigail", "Li"]),
                      st.sampled_from(["Chavez", "Gonzales", "Muñoz", "Okafor", "Lindqvist", "Moore"]))


@hsettings(max_examples=8, deadline=None)
@given(rows=st.lists(st.tuples(_PDF_NAME, _DATE, _ID, st.integers(100, 99999)), min_size=1, max_size=3),
       widths=st.tuples(st.integers(44, 110), st.integers(44, 90), st.integers(44, 90), st.integers(48, 140)))
def test_generated_pdf_tables(tmp_path_factory, rows, widths):
    """Any persons table drawn in a PDF, whatever its column widths (so whatever wraps where):
    every name, date of birth, licence and address is withheld whole, and the dates of the
    paragraphs around it are not. (Headers centred over narrow columns whose values run up
    to the next column are not yet read reliably: test_pdf_table_with_wrapped_cells covers
    centred headers over cells with room.)"""
    centred = False
    from redactor.formats.pdf.read import read_pdf

    path = tmp_path_factory.mktemp("t") / "table.pdf"
    body = [[f"{a} {b}", dob, dl, f"{n} Orchard Bend, Fairview, OR 97024"] for (a, b), dob, dl, n in rows]
    _pdf_table(path, ["Name", "DOB", "DL #", "Address"], body, widths, centred)
    page = read_pdf(path).pages[0]
    hits = find(page.text, page.char_boxes)

    def squeezed(entity):
        return {"".join("".join(page.text[s:e] for s, e in h.spans).split()) for h in hits if h.entity == entity}

    assert squeezed("PERSON") == {"".join(r[0].split()) for r in body}
    assert squeezed("DATE_OF_BIRTH") == {r[1] for r in body}
    assert squeezed("US_DRIVER_LICENSE") == {r[2] for r in body}
    assert squeezed("STREET_ADDRESS") == {"".join(r[3].split()) for r in body}
    found = " ".join(page.text[s:e] for h in hits for s, e in h.spans)
    assert "03/05/2024" not in found and "04/01/2024" not in found


def _pdf_long_table(path, header, rows, per_page, prose_on_second=False):
    """A table over several pages, its header on the first page only (as long reports print
    them), each page's rows at the same column positions, a running page number at the foot."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    xs = [40, 190, 300, 410]
    for n in range(0, len(rows), per_page):
        y = 740
        if n == 0:
            c.setFont("Helvetica-Bold", 9)
            for x, h in zip(xs, header):
                c.drawString(x, y, h)
            y -= 14
        c.setFont("Helvetica", 9)
        if n and prose_on_second:
            c.drawString(40, y, "Minutes of the meeting held on 03/05/2024, continued from the page before,")
            c.drawString(40, y - 12, "where the board heard reports from the staff and the public.")
            y -= 26
        for row in rows[n:n + per_page]:
            for x, t in zip(xs, row):
                c.drawString(x, y, t)
            y -= 12
        c.drawString(290, 40, f"Page {n // per_page + 1}")
        c.showPage()
    c.save()


def _page_hits(path):
    from recognizers.tables import find_pages
    from redactor.formats.pdf.read import read_pdf

    doc = read_pdf(path, ocr=False)
    out = []
    for page, hits in zip(doc.pages, find_pages([(p.text, p.char_boxes) for p in doc.pages])):
        got: dict[str, set[str]] = {}
        for h in hits:
            got.setdefault(h.entity, set()).add(" ".join(" ".join(page.text[s:e] for s, e in h.spans).split()))
        out.append(got)
    return out


@hsettings(max_examples=6, deadline=None)
@given(rows=st.lists(st.tuples(_PDF_NAME, _DATE, st.integers(200, 989), st.integers(1000, 9999)),
                     min_size=4, max_size=9),
       per_page=st.integers(2, 4))
def test_table_header_carries_to_its_next_pages(tmp_path_factory, rows, per_page):
    """A long table prints its header once: the columns' meaning reaches the rows of every
    later page whose cells stand in the same columns."""
    path = tmp_path_factory.mktemp("t") / "long.pdf"
    body = [[f"{a} {b}", dob, f"555-{p:03d}-{q:04d}", "Closed"] for (a, b), dob, p, q in rows]
    _pdf_long_table(path, ["Name", "DOB", "Phone", "Status"], body, per_page)
    pages = _page_hits(path)
    assert len(pages) == -(-len(body) // per_page)
    for k, got in enumerate(pages):
        mine = body[k * per_page:(k + 1) * per_page]
        # rows set this close may be read as one cell wrapped over lines: what is covered counts
        for entity, col in (("PERSON", 0), ("DATE_OF_BIRTH", 1), ("PHONE_NUMBER", 2)):
            assert _words(got.get(entity, ())) == _words(r[col] for r in mine), entity
        assert not any("Page" in v for vs in got.values() for v in vs)  # the page number is no value


def _words(values) -> set[str]:
    return {w for v in values for w in v.split()}


def test_carried_header_stops_at_prose(tmp_path):
    """A page that opens with prose is not the table's continuation, even if rows follow."""
    path = tmp_path / "prose.pdf"
    body = [["Ana Chavez", "01/02/1980", "555-201-3344", "Open"], ["Li Moore", "03/04/1971", "555-202-1111", "Open"],
            ["Abigail Okafor", "05/06/1990", "555-203-2222", "Open"], ["Kenneth Muñoz", "07/08/1964", "555-204-3333", "Open"]]
    _pdf_long_table(path, ["Name", "DOB", "Phone", "Status"], body, 2, prose_on_second=True)
    first, second = _page_hits(path)
    assert _words(first["PERSON"]) == {"Ana", "Chavez", "Li", "Moore"}
    assert "PERSON" not in second and "DATE_OF_BIRTH" not in second


def test_a_column_of_few_repeated_values_is_a_category():
    """A table column that names no personal data and repeats a few values down many rows
    (a status) is read as categories; a column of distinct values is not."""
    from recognizers.tables import CATEGORY

    statuses = ["Layoff Permanent", "Closure Permanent", "Layoff Unknown at this time"]
    lines = ["Company  |  City  |  Layoff/Closure"]
    lines += [f"Firm {n} Inc.  |  Fresno  |  {statuses[n % 3]}" for n in range(12)]
    text = "\n".join(lines) + "\n"
    cats = {text[s:e] for h in find(text) if h.entity == CATEGORY for s, e in h.spans}
    assert cats == set(statuses)
    lines = ["Company  |  City  |  Contact"] + [f"Firm {n} Inc.  |  Fresno  |  Person {n}" for n in range(12)]
    assert not [h for h in find("\n".join(lines)) if h.entity == CATEGORY]


@pytest.mark.slow
def test_a_long_report_table_printed_with_one_header(corpus, settings):
    """A 16-page state report of layoffs (one row per company, its header on page 1 only):
    no company, town or status on any page is taken for a person or an address, because the
    columns' meaning is carried from page to page and a status column is read as categories."""
    from redactor.detect import detect
    from redactor.formats.pdf.read import read_pdf

    doc = read_pdf(corpus / "records" / "ca-warn-report.pdf", ocr=False)
    findings = detect(doc, settings)
    personal = [(f.page, f.entity) for f in findings if f.entity == "PERSON" or f.entity.endswith("ADDRESS")]
    assert personal == []
    # ... while the table's companies are known as such on the last page of the table too
    assert any(f.page == 15 and f.entity == "ORGANIZATION" and f.recognizer == "TableColumnInContext"
               for f in findings)


PRINTOUT = """TYPE        ITEM              MAKE                      MODEL          STATUS
----------  ----------------  ------------------------  -------------  --------
SERIAL NUMBER  REPORT/TAG NUMBER  CASE/FILE NUMBER
-------------  -----------------  ----------------

PISTOL      SEMI-AUTOMATIC    CARL WALTHER              PPK            FOUND
SZH77919    Tag#:SJ3360-1     GO SJ 2012-122670386

PISTOL      REVOLVER          SMITH AND WESSON          39             FOUND
85517       Tag#:SJ3686-1     GO SJ 2012-122741016
"""


def test_rules_drawn_in_dashes_and_a_second_header_line(tmp_path):
    """A system printout: each header line underlined with dashes, and a second header line
    for the second line of each record. The dashes are no part of a header and no value; the
    second header line does not rename the first's columns (MAKE stays the maker's column)."""
    makes = {" ".join(PRINTOUT[s:e].split()) for h in find(PRINTOUT) if h.entity == "ORGANIZATION" for s, e in h.spans}
    assert any("CARL WALTHER" in m for m in makes) and any("SMITH AND WESSON" in m for m in makes)
    assert not any("-" * 5 in m for m in makes)
    # the same printout as a PDF, read by the characters' positions
    from reportlab.pdfgen import canvas

    from redactor.formats.pdf.read import read_pdf

    path = tmp_path / "printout.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("Courier", 8)
    for n, line in enumerate(PRINTOUT.splitlines()):
        for m in re.finditer(r"\S+(?: \S+)*", line):  # each cell where its column starts
            c.drawString(30 + 4.8 * m.start(), 780 - 10 * n, m.group(0))
    c.save()
    page = read_pdf(path, ocr=False).pages[0]
    makes = {" ".join(page.text[s:e].split()) for h in find(page.text, page.char_boxes)
             if h.entity == "ORGANIZATION" for s, e in h.spans}
    assert any("CARL WALTHER" in m for m in makes), makes


def test_placeholders_in_a_persons_column_are_not_names():
    text = ("Unit   Tenant                  Since      Contact\n"
            "1A     Ferdinand Kowalski      2015       fkowalski@example.com\n"
            "1B     Vacant                  -          -\n"
            "2A     Anonymous               2019       -\n")
    found = values(text)
    assert "Ferdinand Kowalski" in found.get("PERSON", set())
    assert not {"Vacant", "Anonymous"} & found.get("PERSON", set())


def test_visitor_column_holds_names():
    text = ("Date        Visitor              Phone            Purpose\n"
            "06/03/2024  Agnes Whitcombe      (608) 555-0110   Permit pickup\n"
            "06/04/2024  Bogdan Stoica        +40 721 555 012  Records request\n")
    found = values(text)
    assert {"Agnes Whitcombe", "Bogdan Stoica"} <= found.get("PERSON", set())
    assert "Permit pickup" not in str(found)


def test_a_label_that_is_one_letter_once_number_words_are_ignored_is_no_field():
    """"A-number" would read as the label "a" (number words are ignored): a form's line letters
    ("a", "b") must not make the next cell a personal identifier."""
    lex = lexicon()
    for letter in "abcdefgh":
        assert lex.field(letter) is None, letter
    assert lex.field("Student ID").entity == "PERSONAL_ID"
    assert lex.field("Pupil") is None or lex.field("Pupil").entity == "PERSON"


@pytest.mark.parametrize("text, card", [
    ("CC: 4111 1111 1111 1111\n", "4111 1111 1111 1111"),
    ("Card number: XXXX-XXXX-XXXX-1234\n", "XXXX-XXXX-XXXX-1234"),
    ("Credit card: ****1234\n", "****1234"),
])
def test_a_card_field_takes_a_card_number_whole_or_masked(text, card):
    assert values(text).get("CREDIT_CARD") == {card}


@pytest.mark.parametrize("text", [
    "Helen Brooks\nCity Clerk\n\ncc: Records Division, (503) 555-0100\n",
    "cc: Case file 2023-0417\n",
    "CC: Oscar Beltran, 541-555-8812\n",
])
def test_a_letters_carbon_copy_line_is_no_card_field(text):
    """"CC" is a card's label ("CC number") and a letter's carbon-copy line: only digits,
    separators and mask characters are a card's number."""
    assert "CREDIT_CARD" not in values(text)
