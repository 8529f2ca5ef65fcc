"""A DOCX file as an OPC package: its parts, relationships and content types, read safely.

A DOCX is a zip of XML parts. Everything here assumes a hostile file: member names that
would escape a folder or collide, sizes that would exhaust memory, encrypted members, XML
with DTDs or entities. Any of these is a one-line ``BadInputError``; nothing is ever
extracted to disk. XML is parsed by lxml with entity expansion, DTD loading, network access
and huge trees off, and a part that declares a DTD at all is refused (OOXML never needs one).
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import BadInputError

MAX_MEMBERS = 10_000
MAX_PART_BYTES = 128 * 1024 ** 2  # one part, uncompressed
MAX_TOTAL_BYTES = 1024 ** 3  # the whole package, uncompressed
MAX_RATIO = 200  # uncompressed / compressed, for parts over 1 MB (zip bombs)

REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_DOCUMENT = "/officeDocument"  # end of the main part's relationship type

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Relationship:
    elem: object  # the <Relationship> element (lxml), so writers can edit it in place
    id: str
    type: str
    target: str
    external: bool
    source: str  # the part whose relationships these are ("" for the package)

    @property
    def type_name(self) -> str:
        return self.type.rsplit("/", 1)[-1]

    @property
    def part(self) -> str | None:
        """The part name the target resolves to (internal targets only)."""
        if self.external:
            return None
        if self.target.startswith("/"):
            return posixpath.normpath(self.target.lstrip("/"))
        base = posixpath.dirname(self.source)
        return posixpath.normpath(posixpath.join(base, self.target))


@dataclass
class Package:
    """The members of a DOCX in zip order, with XML parts parsed on demand."""

    path: Path
    names: list[str]
    data: dict[str, bytes]
    trees: dict[str, object] = field(default_factory=dict)  # part name -> lxml root

    def xml(self, name: str):
        """The parsed root element of an XML part (parsed once)."""
        if name not in self.trees:
            self.trees[name] = parse_xml(self.data[name], name)
        return self.trees[name]

    def is_xml(self, name: str) -> bool:
        if name.endswith((".xml", ".rels")):
            return True
        ctype = self.content_type(name)
        return ctype.endswith("+xml") or ctype.endswith("/xml")

    # -- content types -------------------------------------------------------------------

    def content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        root = self.xml("[Content_Types].xml")
        defaults, overrides = {}, {}
        for el in root:
            if el.tag == f"{{{CT_NS}}}Default":
                defaults[(el.get("Extension") or "").lower()] = el.get("ContentType") or ""
            elif el.tag == f"{{{CT_NS}}}Override":
                overrides[(el.get("PartName") or "").lstrip("/").lower()] = el.get("ContentType") or ""
        return defaults, overrides

    def content_type(self, name: str) -> str:
        if "[Content_Types].xml" not in self.data:
            return ""
        defaults, overrides = self.content_types()
        if name.lower() in overrides:
            return overrides[name.lower()]
        return defaults.get(name.rsplit(".", 1)[-1].lower(), "")

    # -- relationships -------------------------------------------------------------------

    @staticmethod
    def rels_name(part: str) -> str:
        """The relationships part of ``part`` ("" = the package itself)."""
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    @staticmethod
    def source_of(rels: str) -> str:
        folder, base = posixpath.split(rels)
        return posixpath.join(posixpath.dirname(folder), base[: -len(".rels")])

    def relationships(self, part: str) -> list[Relationship]:
        rels = self.rels_name(part)
        if rels not in self.data:
            return []
        out = []
        for el in self.xml(rels):
            if el.tag != f"{{{REL_NS}}}Relationship":
                continue
            out.append(Relationship(el, el.get("Id") or "", el.get("Type") or "", el.get("Target") or "",
                                    (el.get("TargetMode") or "") == "External", part))
        return out

    def main_part(self) -> str:
        for rel in self.relationships(""):
            if rel.type.endswith(OFFICE_DOCUMENT) and rel.part in self.data:
                return rel.part
        if "word/document.xml" in self.data:
            return "word/document.xml"
        raise BadInputError("not a Word document: the package has no main document part")


def open_package(path: Path) -> Package:
    """Read every member of the DOCX at ``path`` into memory, refusing hostile packages."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc.strerror}") from None
    if head.startswith(OLE_MAGIC):
        raise BadInputError("encrypted or legacy Word file (OLE container): password-protected DOCX "
                            "and .doc are not supported; save it as an unprotected .docx")
    try:
        zf = zipfile.ZipFile(path)
    except Exception as exc:  # noqa: BLE001 - any way a zip directory can be broken
        raise BadInputError(f"not a valid DOCX (zip) file: {_one_line(exc)}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise BadInputError(f"DOCX package has {len(infos)} members (limit {MAX_MEMBERS})")
        seen: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            _check_name(name)
            if name.lower() in seen:
                raise BadInputError("DOCX package holds two members with the same name")
            seen.add(name.lower())
            if info.flag_bits & 0x1:
                raise BadInputError("DOCX package has encrypted members")
            if info.file_size > MAX_PART_BYTES:
                raise BadInputError(f"DOCX part {_safe(name)} is too large ({info.file_size} bytes uncompressed)")
            if info.file_size > 1024 ** 2 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise BadInputError(f"DOCX part {_safe(name)} is a decompression bomb "
                                    f"(ratio {info.file_size // max(info.compress_size, 1)}:1)")
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise BadInputError("DOCX package is too large uncompressed (decompression bomb?)")
        names, data = [], {}
        for info in infos:
            if info.is_dir():
                continue
            try:
                with zf.open(info) as fh:
                    # zipfile stops at the declared size and checks the CRC, so a member that
                    # lies about its size fails here instead of filling memory.
                    blob = fh.read(MAX_PART_BYTES + 1)
            except Exception as exc:  # noqa: BLE001 - bad CRC, bad deflate data, unknown method...
                raise BadInputError(f"DOCX part {_safe(info.filename)} cannot be read: {_one_line(exc)}") from None
            if len(blob) > MAX_PART_BYTES:
                raise BadInputError(f"DOCX part {_safe(info.filename)} is too large")
            names.append(info.filename)
            data[info.filename] = blob
    if "[Content_Types].xml" not in data:
        raise BadInputError("not a valid DOCX: no [Content_Types].xml")
    return Package(path=path, names=names, data=data)


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:160]


def _safe(name: str) -> str:
    """A member name fit for a message (names are input: no control characters, bounded)."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in name)
    return repr(cleaned[:80])


def _check_name(name: str) -> None:
    if not name or "\x00" in name:
        raise BadInputError("DOCX package has a member with an empty or NUL name")
    if name.startswith(("/", "\\")) or "\\" in name or (len(name) > 1 and name[1] == ":"):
        raise BadInputError(f"DOCX package has a member with an absolute or Windows path: {_safe(name)}")
    if ".." in name.split("/"):
        raise BadInputError(f"DOCX package has a member name that leaves the package: {_safe(name)}")
    if any(not ch.isprintable() for ch in name):
        raise BadInputError(f"DOCX package has a member name with control characters: {_safe(name)}")


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=False, remove_pis=False, strip_cdata=True)


def parse_xml(blob: bytes, name: str):
    from lxml import etree

    try:
        root = etree.fromstring(blob, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise BadInputError(f"DOCX part {_safe(name)} is not well-formed XML: {_one_line(exc)}") from None
    if root is None:
        raise BadInputError(f"DOCX part {_safe(name)} is empty")
    if root.getroottree().docinfo.doctype:
        raise BadInputError(f"DOCX part {_safe(name)} declares a DTD (refused: entity expansion attacks)")
    return root
