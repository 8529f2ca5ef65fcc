"""Document-level scrubbing applied to every PDF release copy, redacted or not.

Metadata, scripts, attachments and other places that carry text outside the page content are
removed or rewritten neutral. The file is then written whole by pikepdf (never an
incremental update), so no earlier revision survives.
"""

from __future__ import annotations

import pikepdf

PRODUCER = "redactor"

# Catalog entries that carry content outside the pages, or run code on open.
_CATALOG_DROP = ("/Metadata", "/PieceInfo", "/OpenAction", "/AA", "/SpiderInfo", "/Perms",
                 "/Threads", "/Legal", "/URI", "/AF")
_NAMES_DROP = ("/JavaScript", "/EmbeddedFiles", "/AlternatePresentations", "/Templates", "/Pages",
               "/IDS", "/URLS")
_PAGE_DROP = ("/Metadata", "/PieceInfo", "/Thumb", "/AA", "/B", "/ID", "/PZ", "/SeparationInfo", "/AF")


def sanitize(pdf: pikepdf.Pdf) -> list[str]:
    """Scrub ``pdf`` in place; returns notes of what was removed, for the report."""
    notes: list[str] = []
    root = pdf.Root
    # Document Info: replaced by a neutral dictionary (only the producer).
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
        notes.append("document information dictionary removed")
    pdf.trailer.Info = pdf.make_indirect(pikepdf.Dictionary(Producer=pikepdf.String(PRODUCER)))
    for key in _CATALOG_DROP:
        if key in root:
            del root[key]
            notes.append(f"catalog {key[1:]} removed")
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key in _NAMES_DROP:
            if key in names:
                del names[key]
                notes.append(f"names tree {key[1:]} removed")
    ocprops = root.get("/OCProperties")
    if isinstance(ocprops, pikepdf.Dictionary):
        default = ocprops.get("/D")
        off = default.get("/OFF") if isinstance(default, pikepdf.Dictionary) else None
        if isinstance(off, pikepdf.Array) and len(off):
            notes.append(f"{len(off)} hidden layer(s): their content was read, checked and redacted like "
                         "visible content; they stay hidden")
    acroform = root.get("/AcroForm")
    if isinstance(acroform, pikepdf.Dictionary) and "/XFA" in acroform:
        del acroform["/XFA"]
        notes.append("XFA form data removed")
    # Embedded files are reachable from more places than the names tree (file attachment
    # annotations, associated files): strip the embedded data from every file specification.
    stripped = 0
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and not isinstance(obj, pikepdf.Stream):
            for key in ("/EF", "/RF"):
                if key in obj:
                    del obj[key]
                    stripped += 1
            if str(obj.get("/S", "")) in ("/JavaScript", "/Launch", "/ImportData", "/Rendition"):
                for key in ("/JS", "/F", "/Win", "/Mac", "/Unix"):
                    if key in obj:
                        del obj[key]
                        stripped += 1
    if stripped:
        notes.append("embedded files and scripts removed")
    for page in pdf.pages:
        for key in _PAGE_DROP:
            if key in page.obj:
                del page.obj[key]
        _strip_metadata_streams(page.obj.get("/Resources"))
    return sorted(set(notes))


def _strip_metadata_streams(resources) -> None:
    """XMP packets attached to images and forms carry author names and edit history."""
    if not isinstance(resources, pikepdf.Dictionary):
        return
    xobjects = resources.get("/XObject")
    if not isinstance(xobjects, pikepdf.Dictionary):
        return
    for _, xobj in xobjects.items():
        if isinstance(xobj, pikepdf.Stream):
            for key in ("/Metadata", "/PieceInfo"):
                if key in xobj:
                    del xobj[key]


def scrub_strings(pdf: pikepdf.Pdf, values: list[str]) -> int:
    """Replace withheld values inside every string object of the file outside page content
    (annotation contents, form field names and values, outline titles, link targets...).
    Returns how many strings were changed."""
    if not values:
        return 0
    from ...values import find_values

    changed = 0

    def fix(container) -> None:
        nonlocal changed
        items = list(container.items()) if isinstance(container, pikepdf.Dictionary) else list(enumerate(container))
        for key, value in items:
            if isinstance(value, pikepdf.Object) and value.is_indirect:
                continue
            if isinstance(value, pikepdf.String):
                try:
                    text = str(value)
                except Exception:
                    text = bytes(value).decode("latin-1")
                if find_values(text, values, strict=True):
                    container[key] = pikepdf.String("[withheld]")
                    changed += 1
            elif isinstance(value, (pikepdf.Dictionary, pikepdf.Array)):
                fix(value)

    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            fix(obj.stream_dict)
        elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Array)):
            fix(obj)
    return changed
