"""Names of the OOXML vocabularies, in both their Transitional and Strict namespaces.

Elements are compared by a short key ("w:p", "a:t") so that a Strict document, whose
namespaces differ, is read exactly like a Transitional one: a body read as empty because its
namespace was not recognised would be released unredacted.
"""

from __future__ import annotations

from functools import lru_cache

NAMESPACES: dict[str, str] = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main": "w",
    "http://purl.oclc.org/ooxml/wordprocessingml/main": "w",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "a",
    "http://purl.oclc.org/ooxml/drawingml/main": "a",
    "http://schemas.openxmlformats.org/officeDocument/2006/math": "m",
    "http://purl.oclc.org/ooxml/officeDocument/math": "m",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships": "r",
    "http://purl.oclc.org/ooxml/officeDocument/relationships": "r",
    "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing": "wp",
    "http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing": "wp",
    "http://schemas.openxmlformats.org/drawingml/2006/picture": "pic",
    "http://purl.oclc.org/ooxml/drawingml/picture": "pic",
    "urn:schemas-microsoft-com:vml": "v",
    "urn:schemas-microsoft-com:office:office": "o",
    "http://schemas.openxmlformats.org/package/2006/metadata/core-properties": "cp",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties": "ep",
    "http://purl.oclc.org/ooxml/officeDocument/extendedProperties": "ep",
    "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties": "op",
    "http://purl.oclc.org/ooxml/officeDocument/customProperties": "op",
    "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes": "vt",
    "http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes": "vt",
}

W_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def key(tag) -> str:
    """ "w:p" for {wordprocessingml}p; "?:local" for an unknown namespace; "" for comments/PIs."""
    if not isinstance(tag, str):
        return ""
    return _key(tag)


@lru_cache(maxsize=4096)
def _key(tag: str) -> str:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return f"{NAMESPACES.get(ns, '?')}:{local}"
    return f":{tag}"


def local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def ns_of(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


# Relationship types (last segment of the type URI) whose targets never reach the release
# copy, and why. Parts only reachable through them are dropped with them.
DROPPED_RELATIONSHIPS: dict[str, str] = {
    "comments": "comments removed",
    "commentsExtended": "comments removed",
    "commentsIds": "comments removed",
    "commentsExtensible": "comments removed",
    "people": "comment and revision authors removed",
    "thumbnail": "document thumbnail removed",
    "glossaryDocument": "building blocks (glossary) removed",
    "vbaProject": "macros removed",
    "vbaProjectSignature": "macros removed",
    "attachedTemplate": "attached template reference removed",
    "oleObject": "embedded object removed",
    "package": "embedded object removed",
    "control": "embedded control removed",
    "printerSettings": "printer settings removed",
    "aFChunk": "imported content (altChunk) removed",
}

# Relationship types of the parts read as WordprocessingML stories, and their labels.
STORY_RELATIONSHIPS = {"header": "header", "footer": "footer", "footnotes": "footnotes",
                       "endnotes": "endnotes", "comments": "comments"}

# Attributes that carry text a reader can see or a tool can show (alt text, tooltips, form
# field and list values), by the element's local name.
TEXT_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "docPr": ("descr", "title", "name"),
    "cNvPr": ("descr", "title", "name"),
    "shape": ("alt", "title"),
    "rect": ("alt", "title"),
    "roundrect": ("alt", "title"),
    "oval": ("alt", "title"),
    "group": ("alt", "title"),
    "imagedata": ("title",),
    "hyperlink": ("tooltip",),
    "hlinkClick": ("tooltip",),
    "listItem": ("displayText", "value"),
    "docVar": ("val",),
    "alias": ("val",),
    "tag": ("val",),
    "default": ("val",),
    "helpText": ("val",),
    "statusText": ("val",),
    "listEntry": ("val",),
    "tblCaption": ("val",),
    "tblDescription": ("val",),
    "attr": ("val",),  # smart tag and custom XML properties
}

# Elements whose text is binary data or a machine value, never prose.
BINARY_TEXT = {"w:fldData", "w:binData", "o:OLEObject", "v:fill"}
