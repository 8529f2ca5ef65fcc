"""HTML bodies: the text a reader sees (and the text they do not: hidden text is read too), and
a sanitised copy rebuilt from the same tokens with withheld text replaced.

One tokenizer (the standard library's ``html.parser``) serves both directions, so every piece of
text the release copy carries was in the page text detection read:

- text between tags, in document order, whatever its styling (``display:none``, tiny fonts,
  white on white are all read);
- the values of ``alt``, ``title`` and link targets (``href``), in a block after the text.

The rebuilt HTML keeps only an allowlist of tags and attributes. Active content (scripts,
event handlers, frames, objects, forms) and remote references (``src``, ``background``,
``<link>``, CSS with ``url()`` or ``@import``) do not survive; comments and processing
instructions are dropped; elements whose content is not text (script, iframe, svg...) are
dropped with their content.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser

import regex as re

# Elements dropped together with everything inside them.
DROP_CONTENT = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "noembed",
                "noframes", "template", "svg", "math", "canvas", "audio", "video", "head-script"}
# Elements kept (with their allowed attributes); any other tag is dropped, its text kept.
KEEP_TAGS = {
    "html", "head", "body", "title", "p", "br", "div", "span", "b", "i", "u", "s", "strong", "em",
    "small", "big", "sub", "sup", "font", "center", "blockquote", "pre", "code", "tt", "kbd", "samp",
    "var", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table",
    "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col", "a", "img", "abbr",
    "acronym", "address", "cite", "q", "del", "ins", "mark", "strike", "section", "article",
    "header", "footer", "nav", "main", "aside", "figure", "figcaption", "wbr", "style", "label",
}
VOID_TAGS = {"br", "hr", "img", "col", "wbr", "meta", "link", "input", "base", "area", "source",
             "param", "track", "embed", "keygen"}
# Tags after (or before) which the page text gets a line break, so words of two blocks do not run
# together for detection.
BLOCK_TAGS = {"p", "br", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote",
              "pre", "hr", "dt", "dd", "ul", "ol", "title", "td", "th", "caption", "section",
              "article", "header", "footer", "address", "center", "figcaption", "body"}
# Attributes kept as they are when their value passes the check.
PLAIN_ATTRS = {"align", "valign", "width", "height", "border", "cellpadding", "cellspacing",
               "colspan", "rowspan", "color", "bgcolor", "face", "size", "dir", "lang", "type",
               "start", "span", "nowrap", "clear"}
# Attributes whose values are text a reader sees: read for detection, written back redacted.
TEXT_ATTRS = {"alt", "title"}
_SAFE_VALUE = re.compile(r"^[\w#%.,:;\- ]{0,80}$")
_SAFE_CLASS = re.compile(r"^[\w\- ]{0,100}$")
_SAFE_HREF = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
# CSS that can fetch, run or inject text: a style attribute or block that holds any of these is
# dropped whole.
_UNSAFE_CSS = re.compile(r"url\s*\(|@import|expression\s*\(|behaviou?r\s*:|binding|javascript:|"
                         r"content\s*:|\\|<|image-set|image\s*\(|src\s*:", re.IGNORECASE)


def safe_css(css: str) -> bool:
    return not _UNSAFE_CSS.search(css)


class _Tokenizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple[str, str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("start", tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tokens.append(("startend", tag, attrs))

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag, []))

    def handle_data(self, data):
        self.tokens.append(("data", data, []))

    # Comments, declarations and processing instructions are never released; they are kept as
    # tokens only so that text on either side of one reads as two words.
    def handle_comment(self, data):
        self.tokens.append(("other", "", []))

    def handle_decl(self, decl):
        self.tokens.append(("other", "", []))

    def handle_pi(self, data):
        self.tokens.append(("other", "", []))

    def unknown_decl(self, data):
        self.tokens.append(("other", "", []))


@dataclass
class HtmlLayout:
    """The page text of an HTML body and where each piece of it came from."""

    tokens: list
    text: str
    # (start, end) in ``text`` -> ("data", token index) or ("attr", token index, attribute name)
    segments: list[tuple[int, int, tuple]] = field(default_factory=list)
    style_blocks: set[int] = field(default_factory=set)  # data tokens inside <style> kept as CSS


def tokenize(source: str) -> list:
    parser = _Tokenizer()
    parser.feed(source)
    parser.close()
    return parser.tokens


def _kept_attrs(tag: str, attrs) -> list[tuple[str, str, bool]]:
    """(name, value, is_text) of the attributes the release copy keeps for ``tag``."""
    out = []
    for name, value in attrs:
        name = name.lower()
        value = "" if value is None else value
        if name in TEXT_ATTRS:
            out.append((name, value, True))
        elif name == "href" and tag == "a" and _SAFE_HREF.match(value.strip()):
            out.append((name, value.strip(), True))
        elif name in PLAIN_ATTRS and _SAFE_VALUE.match(value):
            out.append((name, value, False))
        elif name == "class" and _SAFE_CLASS.match(value):
            out.append((name, value, False))
        elif name == "style" and len(value) <= 2000 and safe_css(value):
            out.append((name, value, False))
    return out


def _walk(tokens):
    """Each token as ``(index, kind, value, attrs, dropped, in_style)``.

    ``dropped`` is true for tokens inside an element whose content the release copy drops
    (scripts, frames, objects: DROP_CONTENT) and for those elements' own tags; ``in_style``
    counts the ``<style>`` elements open around a token. Layout and rendering walk the
    tokens the same way, so the text a detector reads is the text that is written.
    """
    skip: list[str] = []  # open elements whose content is dropped
    in_style = 0
    for i, (kind, value, attrs) in enumerate(tokens):
        dropped = False
        if kind in ("start", "startend"):
            if skip or value in DROP_CONTENT:
                if kind == "start" and value in DROP_CONTENT and value not in VOID_TAGS:
                    skip.append(value)
                dropped = True
            elif value == "style" and kind == "start":
                in_style += 1
        elif kind == "end":
            if skip:
                if value == skip[-1]:
                    skip.pop()
                elif value in skip:  # mis-nested: close up to it
                    del skip[skip.index(value):]
                dropped = True
            elif value == "style" and in_style:
                in_style -= 1
        elif skip:
            dropped = True
        yield i, kind, value, attrs, dropped, in_style


def layout(source: str) -> HtmlLayout:
    tokens = tokenize(source)
    parts: list[str] = []
    pos = 0
    segments: list[tuple[int, int, tuple]] = []
    attr_values: list[tuple[str, tuple]] = []
    style_blocks: set[int] = set()

    def add(s: str, key: tuple | None) -> None:
        nonlocal pos
        if key is not None:
            segments.append((pos, pos + len(s), key))
        parts.append(s)
        pos += len(s)

    tag_since = False
    for i, kind, value, attrs, dropped, in_style in _walk(tokens):
        if kind != "data":
            tag_since = True
        if dropped:
            continue
        if kind in ("start", "startend", "end"):
            if value in BLOCK_TAGS and parts and not parts[-1].endswith("\n"):
                add("\n", None)
            if kind != "end" and value in KEEP_TAGS:
                for name, v, is_text in _kept_attrs(value, attrs):
                    if is_text and v:
                        attr_values.append((v, ("attr", i, name)))
        elif kind == "data":
            if in_style:
                if safe_css(value):
                    style_blocks.add(i)
                continue
            if tag_since and parts and not parts[-1][-1:].isspace() and not value[:1].isspace():
                # Text on either side of a tag reads as two words (as a tag-stripping reader
                # sees it: "<span>Blake</span><b>white" is "Blake white"); nothing is written.
                add(" ", None)
            tag_since = False
            add(value, ("data", i))
    if attr_values:
        add("\n\n", None)
        for v, key in attr_values:
            add(v, key)
            add("\n", None)
    return HtmlLayout(tokens=tokens, text="".join(parts), segments=segments, style_blocks=style_blocks)


def render(lay: HtmlLayout, replaced: dict[tuple, str]) -> str:
    """The sanitised HTML, with each segment's text replaced by ``replaced[key]`` when given."""
    out: list[str] = []
    for i, kind, value, attrs, dropped, in_style in _walk(lay.tokens):
        if dropped:
            continue
        if kind in ("start", "startend"):
            tag = value
            if tag not in KEEP_TAGS:
                continue
            rendered = []
            for name, v, is_text in _kept_attrs(tag, attrs):
                if is_text:
                    v = replaced.get(("attr", i, name), v)
                    if name == "href" and not _SAFE_HREF.match(v):
                        continue  # a withheld link target: the link text stays, the target goes
                rendered.append(f' {name}="{html.escape(v, quote=True)}"')
            close = " /" if kind == "startend" or tag in VOID_TAGS else ""
            out.append(f"<{tag}{''.join(rendered)}{close}>")
        elif kind == "end":
            if value in KEEP_TAGS and value not in VOID_TAGS:
                out.append(f"</{value}>")
        elif kind == "data":
            if in_style:
                if i in lay.style_blocks:
                    out.append(value.replace("<", ""))
                continue
            out.append(html.escape(replaced.get(("data", i), value), quote=False))
    return "".join(out)
