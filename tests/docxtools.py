"""Build DOCX fixtures from WordprocessingML snippets (known truth), and read any DOCX back
the way an outsider would (zip + regex, as the project's scorer does)."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
}
XMLNS = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml"
# A 1x1 PNG.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082")


def run(text: str, bold: bool = False, italic: bool = False, size: int | None = None) -> str:
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "") + (f'<w:sz w:val="{size}"/>' if size else "")
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{html.escape(text, quote=False)}</w:t></w:r>'


def para(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def make_docx(path: Path, body: str, *, headers: tuple[str, ...] = (), footers: tuple[str, ...] = (),
              footnotes: str | None = None, comments: str | None = None, core: str = "",
              custom: str = "", app: str = "", links: dict[str, str] | None = None,
              images: int = 0, extra_parts: dict[str, bytes] | None = None) -> Path:
    """A DOCX whose main part's body is ``body``; headers/footers/footnotes/comments are the
    inner XML of their root elements; ``core`` and ``custom`` the inner XML of the property
    parts; ``links`` maps relationship ids to external hyperlink targets."""
    rels = ['<Relationship Id="rIdStyles" Type="%s/styles" Target="styles.xml"/>' % RT]
    overrides = {"/word/document.xml": f"{CT_MAIN}.document.main+xml",
                 "/word/styles.xml": f"{CT_MAIN}.styles+xml",
                 "/docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
                 "/docProps/app.xml": "application/vnd.openxmlformats-officedocument.extended-properties+xml"}
    parts: dict[str, bytes] = {}
    sect_refs = ""
    for kind, items in (("header", headers), ("footer", footers)):
        for i, inner in enumerate(items, start=1):
            name = f"{kind}{i}.xml"
            tag = "hdr" if kind == "header" else "ftr"
            parts[f"word/{name}"] = f'<w:{tag} {XMLNS}>{inner}</w:{tag}>'.encode()
            rels.append(f'<Relationship Id="rId{kind}{i}" Type="{RT}/{kind}" Target="{name}"/>')
            overrides[f"/word/{name}"] = f"{CT_MAIN}.{kind}+xml"
            sect_refs += f'<w:{kind}Reference w:type="default" r:id="rId{kind}{i}"/>' if i == 1 else ""
    if footnotes is not None:
        parts["word/footnotes.xml"] = f"<w:footnotes {XMLNS}>{footnotes}</w:footnotes>".encode()
        rels.append(f'<Relationship Id="rIdFn" Type="{RT}/footnotes" Target="footnotes.xml"/>')
        overrides["/word/footnotes.xml"] = f"{CT_MAIN}.footnotes+xml"
    if comments is not None:
        parts["word/comments.xml"] = f"<w:comments {XMLNS}>{comments}</w:comments>".encode()
        rels.append(f'<Relationship Id="rIdCm" Type="{RT}/comments" Target="comments.xml"/>')
        overrides["/word/comments.xml"] = f"{CT_MAIN}.comments+xml"
    for rid, target in (links or {}).items():
        rels.append(f'<Relationship Id="{rid}" Type="{RT}/hyperlink" Target="{html.escape(target)}" '
                    'TargetMode="External"/>')
    for i in range(1, images + 1):
        parts[f"word/media/image{i}.png"] = PNG
        rels.append(f'<Relationship Id="rIdImg{i}" Type="{RT}/image" Target="media/image{i}.png"/>')
    doc = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {XMLNS}><w:body>{body}'
           f"<w:sectPr>{sect_refs}</w:sectPr></w:body></w:document>")
    parts["word/document.xml"] = doc.encode()
    parts["word/styles.xml"] = f"<w:styles {XMLNS}/>".encode()
    parts["word/_rels/document.xml.rels"] = (
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{"".join(rels)}'
        "</Relationships>").encode()
    parts["docProps/core.xml"] = (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{core}</cp:coreProperties>').encode()
    parts["docProps/app.xml"] = (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{app}</Properties>').encode()
    pkg_rels = [f'<Relationship Id="rId1" Type="{RT}/officeDocument" Target="word/document.xml"/>',
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
                'metadata/core-properties" Target="docProps/core.xml"/>',
                f'<Relationship Id="rId3" Type="{RT}/extended-properties" Target="docProps/app.xml"/>']
    if custom:
        parts["docProps/custom.xml"] = (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{custom}</Properties>'
        ).encode()
        pkg_rels.append(f'<Relationship Id="rId4" Type="{RT}/custom-properties" Target="docProps/custom.xml"/>')
        overrides["/docProps/custom.xml"] = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
    parts["_rels/.rels"] = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                            + "".join(pkg_rels) + "</Relationships>").encode()
    ct = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Default Extension="png" ContentType="image/png"/>'
          + "".join(f'<Override PartName="{k}" ContentType="{v}"/>' for k, v in overrides.items())
          + "</Types>")
    parts.update(extra_parts or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", ct)
        for name, blob in parts.items():
            zf.writestr(name, blob)
    return path


def outsider_texts(path: Path) -> dict[str, str]:
    """Every member of the package as an outsider reads it: tag-stripped and entity-decoded
    text of XML members (with their attribute values), raw Latin-1 of the others."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            raw = zf.read(name)
            if name.endswith((".xml", ".rels")):
                x = raw.decode("utf-8", "replace")
                attrs = " ".join(html.unescape(m) for m in re.findall(r'="([^"]*)"', x))
                x = re.sub(r"</w:p>|<w:br/>|</w:tc>|<w:tab/>", "\n", x)
                out[name] = html.unescape(re.sub(r"<[^>]+>", "", x)) + "\n" + attrs
            else:
                out[name] = raw.decode("latin-1")
    return out


def parts_holding(path: Path, value: str) -> list[str]:
    """Members of the package in which ``value`` (any case, any spacing) still appears."""
    words = value.lower().split()
    pattern = re.compile(r"[\W_]*".join(re.escape(w) for w in words), re.IGNORECASE)
    return [name for name, text in outsider_texts(path).items() if pattern.search(text)]
