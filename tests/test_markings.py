"""The marking parser and portion finder (recognizers/markings.py)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, strategies as st

from recognizers.markings import find_markings, parse_marking


@pytest.mark.parametrize("text, level, sci, dissem, rel_to", [
    ("TOP SECRET//SI//NOFORN", "TOP SECRET", ["SI"], ["NOFORN"], []),
    ("(TS//SI//NF)", "TOP SECRET", ["SI"], ["NOFORN"], []),
    ("TOP SECRET//SI-G/TK//ORCON/NOFORN", "TOP SECRET", ["SI-G", "TK"], ["ORCON", "NOFORN"], []),
    ("(TS//SI-G/TK//OC/NF)", "TOP SECRET", ["SI-G", "TK"], ["ORCON", "NOFORN"], []),
    ("SECRET//REL TO USA, AUS, CAN, GBR, NZL", "SECRET", [], ["REL TO"], ["USA", "AUS", "CAN", "GBR", "NZL"]),
    ("(S//REL TO USA, FVEY)", "SECRET", [], ["REL TO"], ["USA", "FVEY"]),
    ("CONFIDENTIAL//REL TO USA, GBR", "CONFIDENTIAL", [], ["REL TO"], ["USA", "GBR"]),
    ("UNCLASSIFIED//FOR OFFICIAL USE ONLY", "UNCLASSIFIED", [], ["FOUO"], []),
    ("(U//FOUO)", "UNCLASSIFIED", [], ["FOUO"], []),
    ("(U)", "UNCLASSIFIED", [], [], []),
])
def test_us_markings_parse(text, level, sci, dissem, rel_to):
    m = parse_marking(text)
    assert m is not None and m.system == "US"
    assert (m.level, m.sci, m.dissem, m.rel_to) == (level, sci, dissem, rel_to)
    assert m.portion == text.startswith("(")
    assert m.classified == (level in ("CONFIDENTIAL", "SECRET", "TOP SECRET"))


@pytest.mark.parametrize("text, categories, dissem", [
    ("CUI", [], []), ("CONTROLLED", [], []), ("CUI//SP-PRVCY//FED ONLY", ["SP-PRVCY"], ["FED ONLY"]),
    ("CUI//SP-CTI/SP-EXPT/PRVCY//NOFORN", ["SP-CTI", "SP-EXPT", "PRVCY"], ["NOFORN"]),
    ("(CUI)", [], []), ("(CUI//SP-PRVCY)", ["SP-PRVCY"], []),
])
def test_cui_markings_parse(text, categories, dissem):
    m = parse_marking(text)
    assert m is not None and m.system == "CUI" and not m.classified
    assert m.cui_categories == categories and m.dissem == dissem


@pytest.mark.parametrize("text, level, caveats", [
    ("OFFICIAL", "OFFICIAL", []), ("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE", []),
    ("OFFICIAL\u2013SENSITIVE", "OFFICIAL-SENSITIVE", []),
    ("OFFICIAL-SENSITIVE PERSONAL", "OFFICIAL-SENSITIVE", ["PERSONAL"]),
    ("OFFICIAL-SENSITIVE COMMERCIAL", "OFFICIAL-SENSITIVE", ["COMMERCIAL"]),
    ("UK EYES ONLY", None, ["UK EYES ONLY"]), ("RESTRICTED", "RESTRICTED", []), ("PROTECT", "PROTECT", []),
])
def test_uk_markings_parse(text, level, caveats):
    m = parse_marking(text)
    assert m is not None and m.system == "UK"
    assert m.level == level and m.caveats == caveats and not m.classified


@pytest.mark.parametrize("text", ["Secret Service", "top secret recipe", "Official Sensitive", "CUI Smith",
                                  "(SECRET)", "TS", "(X)", "SECRET//BANANA"])
def test_not_markings(text):
    assert parse_marking(text) is None


def _entities(pages):
    return [(f.entity, pages[f.page - 1][f.start:f.end]) for f in find_markings(pages)]


def test_portions_withheld_with_marks_kept():
    page = ("SECRET//NOFORN\n\n(U) Routine opening paragraph.\n\n(S//NF) The source reported the plan.\n"
            "It continues on this line.\n\n(U) Closing.\n\nClassified By: J. Doe, Director\n"
            "Declassify On: 20441231\n\nSECRET//NOFORN\n")
    found = _entities([page])
    assert ("CLASSIFIED_PORTION", "The source reported the plan.\nIt continues on this line.") in found
    assert ("PORTION", "Routine opening paragraph.") in found
    assert ("PORTION_MARK", "(S//NF)") in found
    assert found.count(("CLASSIFICATION_BANNER", "SECRET//NOFORN")) == 2
    assert ("CLASSIFICATION_AUTHORITY", "Classified By: J. Doe, Director") in found


def test_authority_block_as_a_table_ends_the_portion():
    """A DOCX (or tab-separated) authority block: label and value in two cells of a row."""
    page = ("SECRET\n\n(S) The source reported the plan.\n\nClassified By\tJ. Doe, Director\n"
            "Declassify On\t20441231\n")
    found = find_markings([page])
    assert ("CLASSIFIED_PORTION", "The source reported the plan.") in _entities([page])
    authority = [f for f in found if f.entity == "CLASSIFICATION_AUTHORITY"]
    assert [f.fields["value"] for f in authority] == ["J. Doe, Director", "20441231"]
    assert authority[1].fields["date"] == "20441231"
    assert not [f for f in found if f.entity == "UNMARKED_PORTION"]


def test_unmarked_text_after_classified_portion_across_pages():
    pages = ["SECRET\n\n(S) Sensitive paragraph on page one.\n\nSECRET\n",
             "SECRET\n\ncontinued sensitive text without a mark.\n\n(U) Public line.\n\nPage 2 of 2\n"]
    found = _entities(pages)
    assert ("UNMARKED_PORTION", "continued sensitive text without a mark.") in found
    assert all(t != "Page 2 of 2" for _, t in found)


def test_list_letters_and_copyright_are_not_portion_marks():
    legal = "(A) first item\n(B) second item\n(C) third item\n"
    assert not [e for e, _ in _entities([legal]) if e in ("PORTION_MARK", "CLASSIFIED_PORTION")]
    assert not _entities(["(C) 2021 Acme Corporation. All rights reserved.\n"])
    assert not _entities(["(S) is used for list item S without any banner.\n"])


levels = st.sampled_from([("TOP SECRET", "TS"), ("SECRET", "S"), ("CONFIDENTIAL", "C"), ("UNCLASSIFIED", "U")])
sci = st.lists(st.sampled_from(["SI", "TK", "HCS-P", "SI-G", "HCS-O"]), unique=True, max_size=3)
dissem = st.lists(st.sampled_from([("NOFORN", "NF"), ("ORCON", "OC"), ("IMCON", "IMC"), ("PROPIN", "PR"),
                                   ("RELIDO", "RELIDO")]), unique=True, max_size=3)


@given(levels, sci, dissem)
def test_generated_markings_round_trip(level, sci_values, dissem_values):
    banner = "//".join([level[0]] + (["/".join(sci_values)] if sci_values else [])
                       + (["/".join(d[0] for d in dissem_values)] if dissem_values else []))
    portion = "(" + "//".join([level[1]] + (["/".join(sci_values)] if sci_values else [])
                              + (["/".join(d[1] for d in dissem_values)] if dissem_values else [])) + ")"
    b, p = parse_marking(banner), parse_marking(portion)
    assert b is not None and p is not None
    assert b.level == p.level == level[0]
    assert b.sci == p.sci == sci_values
    assert b.dissem == p.dissem == [d[0] for d in dissem_values]


def _authority_form_pdf(path):
    """A classified memo whose authority block is a two-column form (label cells, value cells,
    no colons), as report generators draw it: the extractor reads the label column first."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    c.setFont("Helvetica", 9)
    c.drawString(240, 760, "SECRET//NOFORN")
    c.drawString(60, 720, "1. (S//NF) Imagery shows 7 new berths under construction at the shipyard.")
    c.drawString(60, 700, "2. (U) The division will brief staff in the spring.")
    y = 660
    for label, value in (("Classified By", "Kyle Chen, Senior Intelligence Officer"),
                         ("Derived From", "INTELLIGENCE SCG 4.9, dated 20211210"), ("Declassify On", "20451215")):
        c.drawString(60, y, label)
        c.drawString(200, y, value)
        y -= 16
    c.drawString(240, 40, "SECRET//NOFORN")
    c.save()


def test_authority_block_laid_out_as_a_form(tmp_path):
    from redactor.formats.pdf.read import read_pdf

    path = tmp_path / "memo.pdf"
    _authority_form_pdf(path)
    page = read_pdf(path).pages[0]
    found = find_markings([page.text], [page.char_boxes])
    authority = {page.text[f.start:f.end] for f in found if f.entity == "CLASSIFICATION_AUTHORITY"}
    assert {"Classified By", "Kyle Chen, Senior Intelligence Officer", "20451215"} <= authority
    unmarked = " ".join(page.text[f.start:f.end] for f in found if f.entity == "UNMARKED_PORTION")
    assert "Kyle Chen" not in unmarked and "20451215" not in unmarked
    declass = [f for f in found if f.entity == "CLASSIFICATION_AUTHORITY" and f.fields.get("field") == "declassify on"]
    assert declass and declass[0].fields.get("date") == "20451215"
    classified = [page.text[f.start:f.end] for f in found if f.entity == "CLASSIFIED_PORTION"]
    assert any("7 new berths" in t for t in classified)


_OCR_PAGE = ("SECRET//ORCON/NOFORN\n\n1. (U) Routine opening paragraph.\n\n2. {mark} The source reported the plan.\n\n"
             "3. (U) Closing paragraph.\n\nSECRET//ORCON/NOFORN\n")


@pytest.mark.parametrize("read, meant", [
    ("(S/ORCON/NF)", "(S//ORCON/NF)"), ("(TS/SI/NF)", "(TS//SI//NF)"), ("(U/FOUO)", "(U//FOUO)"),
    ("(S/REL TO USA, FVEY)", "(S//REL TO USA, FVEY)"),
])
def test_a_portion_mark_ocr_read_with_a_slash_missing(read, meant):
    """Tesseract often reads "//" as "/". On a page read by OCR the mark is read as meant
    (the portion it governs is withheld or kept by it, and the mark stays); on a text layer
    the same characters are no mark (they are what the page says)."""
    page = _OCR_PAGE.format(mark=read)
    marks = [f for f in find_markings([page], ocr=[True]) if f.entity == "PORTION_MARK"]
    mark = next(f for f in marks if page[f.start:f.end] == read)
    assert mark.marking.as_dict() == parse_marking(meant).as_dict() | {"text": meant}
    assert "slash missing" in mark.explanation
    portion = "CLASSIFIED_PORTION" if parse_marking(meant).classified else "PORTION"
    found = [(f.entity, page[f.start:f.end]) for f in find_markings([page], ocr=[True])]
    assert (portion, "The source reported the plan.") in found
    assert not any(page[f.start:f.end] == read for f in find_markings([page], ocr=[False]))


@pytest.mark.parametrize("text", ["(S/N)", "(C/O)", "(U/S)", "(S/ORCON/BANANA)", "(TS/X/Y/Z/W/V)"])
def test_ocr_repair_never_makes_a_mark_of_other_text(text):
    page = f"SECRET\n\n{text} Serial number of the unit.\n"
    assert not [f for f in find_markings([page], ocr=[True]) if f.entity == "PORTION_MARK"]


_CONTROLS = ["NF", "ORCON", "REL TO USA, FVEY", "FOUO"]


@given(level=st.sampled_from(["TS", "S", "C"]), sci=st.sampled_from(["", "SI", "SI-G/TK"]),
       controls=st.lists(st.sampled_from(_CONTROLS[:3]), min_size=1, max_size=2, unique=True))
def test_any_mark_read_with_single_slashes_reads_back(level, sci, controls):
    meant = f"({level}{'//' + sci if sci else ''}//{'/'.join(controls)})"
    assume(parse_marking(meant) is not None)
    read = meant.replace("//", "/")
    page = _OCR_PAGE.format(mark=read)
    marks = [f for f in find_markings([page], ocr=[True]) if page[f.start:f.end] == read]
    assert marks and marks[0].marking.level == parse_marking(meant).level
    assert (marks[0].marking.sci, marks[0].marking.dissem) == (parse_marking(meant).sci, parse_marking(meant).dissem)
