"""The removal engine's core: rewrite a content stream so no glyph drawn under a redaction box
remains, and find every image drawn under one.

A glyph is removed when the centre of its box (advance width by the font's ascent/descent,
in user space) lies inside a redaction box. verify.py applies the same rule, with an
independent extractor, to the written file.

A text-showing operator that loses glyphs is re-emitted as one TJ in which every glyph that
stays is placed by an explicit displacement at its *target* position: where it was, or where
the glyph-position defence (layout.py) moved it. The original per-glyph adjustments of the
operator are not copied, so nothing of the removed run's kerning survives. The engine runs
twice on a page when the defence is on: a walk with the ``MEASURING`` hooks records every
glyph, layout.py computes the new layout, and a walk with the ``REMOVAL`` hooks rewrites.
fontprune.py walks with the ``UsedCodes`` hooks to learn which codes are still drawn.

Text inside Form XObjects is handled recursively; a form that changes is copied, so other
pages that share it are not affected. Invisible text (render mode 3, the usual OCR layer) is
treated like any other text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import math

import pikepdf

from ...errors import UnsupportedContentError
from ...geometry import Box, BoxIndex, Matrix, contains_point, intersects
from .fonts import FontMetrics
from .layout import GlyphPlacement, GlyphRun, Layout, PageGlyphs, axis_of, baseline

MAX_FORM_DEPTH = 16
# Glyphs of text far from every box are placed only when asked for (False: always, as the
# tests that compare both ways set it).
LAZY_RUNS = True
# Keys of marked-content property lists that carry replacement text for what they enclose.
_TEXT_KEYS = ("/ActualText", "/Alt", "/E")


@dataclass
class ImagePlacement:
    """An image XObject drawn under at least one box."""

    name: str
    xobject: pikepdf.Stream
    ctm: Matrix
    resources: pikepdf.Dictionary


@dataclass
class RewriteStats:
    glyphs_removed: int = 0
    inline_images_removed: int = 0
    forms_rewritten: int = 0
    paths_removed: int = 0
    patterns_rewritten: int = 0
    fonts_touched: dict = field(default_factory=dict)  # font objgen -> codes of the glyphs removed
    images: list[ImagePlacement] = field(default_factory=list)


class _State:
    __slots__ = ("ctm", "font", "metrics", "size", "tc", "tw", "th", "tl", "ts", "tr", "tc_src", "tw_src",
                 "tco", "two")

    def __init__(self, ctm: Matrix):
        self.ctm = ctm
        self.font = None
        self.metrics: FontMetrics | None = None
        self.size = 0.0
        self.tc = 0.0
        self.tw = 0.0
        self.th = 1.0
        self.tl = 0.0
        self.ts = 0.0
        self.tr = 0
        self.tc_src: tuple | None = None  # key of the operator that set tc (None: default)
        self.tw_src: tuple | None = None
        # tc and tw are what the output draws with; tco and two what the input drew with
        # (they differ where the defence set spacing to zero).
        self.tco = 0.0
        self.two = 0.0

    def copy(self) -> "_State":
        s = _State(self.ctm)
        for k in self.__slots__:
            setattr(s, k, getattr(self, k))
        return s


def _f(x) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return 0.0


class ContentWalker:
    """The one interpreter of content-stream operators: graphics and text state, the CTM, paths,
    inline images, Form XObjects and tiling patterns. What a walk does with the glyphs, shapes
    and images it meets is decided by its hook set: ``REMOVAL`` rewrites a page against a list
    of boxes, ``MEASURING`` records where everything is drawn and changes nothing, and
    ``UsedCodes`` collects the codes drawn with each font (fontprune.py)."""

    def __init__(self, pdf: pikepdf.Pdf, boxes: list[Box], layout: Layout | None = None,
                 period: tuple[float, float] | None = None, hooks=None):
        self.pdf = pdf
        self.boxes = boxes
        # A tiling pattern's cell: boxes are in pattern space and the cell repeats every
        # (XStep, YStep), so a glyph goes if any of its copies lands in a box.
        self.period = period
        self._index = BoxIndex((b, None) for b in boxes)
        self._bands, self._cell = self._index.bands, self._index.cell
        # Glyph runs by operator key: the measuring walk records them, the removal walk of
        # the same page reuses them (``runs``): both see the same operators, fonts and boxes.
        self.runs: dict[tuple, _Run] | None = None
        self.stats = RewriteStats()
        self.hooks = hooks if hooks is not None else REMOVAL
        self.placements = PageGlyphs()  # measure: every glyph, by writing direction and baseline
        self.image_boxes: list[Box] = []
        self.fill_boxes: list[Box] = []  # measure: filled shapes (a re-laid line must not run under one)
        self.layout = layout or Layout()
        self._enter = self.layout.enter
        # Operators (their keys) of which the layout moves some glyph.
        self.shifted = {key[:-1] for key in self.layout.shifts}
        self._metrics_cache: dict[tuple[int, int], FontMetrics] = {}
        self._form_stack: list[tuple[int, int]] = []
        self.instructions: list | None = None  # measure_page: the page content it parsed

    def measure_page(self, page: pikepdf.Page, base: Matrix) -> PageGlyphs:
        """Record where every glyph of the page (and its forms) is drawn. The page's parsed
        content is kept in ``instructions`` (the rewrite of the same page walks it again)."""
        resources = page.obj.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary):
            resources = pikepdf.Dictionary()
        self.instructions = pikepdf.parse_content_stream(page.obj)
        self.walk(self.instructions, resources, base, top_level=True)
        return self.placements

    # -- public -------------------------------------------------------------------------
    def rewrite_page(self, page: pikepdf.Page, base: Matrix, instructions: list | None = None) -> bytes:
        """Return the page's new content, wrapped in a balanced ``q ... Q`` so that what we
        draw afterwards (the boxes) is not displaced by a transformation left over.
        ``instructions``: the page's content as the measuring walk parsed it (walks change no
        instruction), or None to parse it here."""
        if instructions is None:
            instructions = pikepdf.parse_content_stream(page.obj)
        resources = _localize(page.obj.get("/Resources"))
        page.obj.Resources = resources
        out, _ = self.walk(instructions, resources, base, top_level=True)
        self._rewrite_patterns(resources, base)
        _prune_xobjects(resources, out)
        return b"q\n" + pikepdf.unparse_content_stream(out) + b"\nQ\n"

    # -- internals ----------------------------------------------------------------------
    def _metrics(self, font) -> FontMetrics:
        key = font.objgen if isinstance(font, pikepdf.Object) and font.is_indirect else (id(font), 0)
        m = self._metrics_cache.get(key)
        if m is None:
            m = FontMetrics(font if isinstance(font, pikepdf.Dictionary) else None)
            self._metrics_cache[key] = m
        return m

    def _under_box(self, x: float, y: float) -> bool:
        if self.period is not None:
            px, py = self.period
            return any(_periodic(x, x, b[0], b[2], px) and _periodic(y, y, b[1], b[3], py) for b in self.boxes)
        # BoxIndex.near of a point, inlined (called for every glyph of a page)
        near = self._bands.get(int(y // self._cell))
        if not near:
            return False
        for b, _ in near:
            if b[0] <= x <= b[2] and b[1] <= y <= b[3]:
                return True
        return False

    def _hits_box(self, box: Box) -> bool:
        if self.period is not None:
            px, py = self.period
            return any(_periodic(box[0], box[2], b[0], b[2], px) and _periodic(box[1], box[3], b[1], b[3], py)
                       for b in self.boxes)
        return any(intersects(box, b) for b in self.boxes)

    def _rewrite_patterns(self, resources, space: Matrix) -> bool:
        """Remove the glyphs of tiling-pattern cells (in ``resources``) whose copies land under
        a box; the pattern is replaced by a redacted copy in this (private) resource dict."""
        patterns = resources.get("/Pattern") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(patterns, pikepdf.Dictionary):
            return False
        replaced: dict = {}
        for name, pat in patterns.items():
            if not (isinstance(pat, pikepdf.Stream) and int(_f(pat.get("/PatternType", 0))) == 1
                    and draws_text(pat)):
                continue
            if self.period is not None:
                raise UnsupportedContentError("text in a tiling pattern inside a tiling pattern")
            pm = pat.get("/Matrix")
            matrix = Matrix.of(_f(v) for v in pm) if isinstance(pm, pikepdf.Array) and len(pm) == 6 else Matrix()
            to_pattern = (matrix @ space).inverse()
            period = (abs(_f(pat.get("/XStep"))), abs(_f(pat.get("/YStep"))))
            sub = ContentWalker(self.pdf, [to_pattern.transform_box(b) for b in self.boxes], period=period)
            sub._metrics_cache = self._metrics_cache
            pres = pat.get("/Resources")
            pres = _localize(pres if isinstance(pres, pikepdf.Dictionary) else pikepdf.Dictionary())
            new_instr, changed = sub.walk(pikepdf.parse_content_stream(pat), pres, Matrix())
            if not changed:
                continue
            if sub.stats.images:
                raise UnsupportedContentError("an image inside a tiling pattern lies under a box")
            self.stats.glyphs_removed += sub.stats.glyphs_removed
            self.stats.patterns_rewritten += 1
            for font, codes in sub.stats.fonts_touched.items():
                self.stats.fonts_touched.setdefault(font, set()).update(codes)
            _prune_xobjects(pres, new_instr)
            copy = _clone_stream(self.pdf, pat, data=pikepdf.unparse_content_stream(new_instr))
            copy.Resources = pres
            replaced[name] = copy
        if not replaced:
            return False
        resources.Pattern = pikepdf.Dictionary({k: replaced.get(k, v) for k, v in patterns.items()})
        return True

    def glyph_run(self, gs: _State, tm: Matrix, strings_and_numbers, prefix: tuple) -> _Run:
        """Where the input draws each glyph of one text-showing array."""
        runs = self.runs
        if runs is not None:
            run = runs.get(prefix)
            if run is not None:
                return run
        metrics = gs.metrics or self._metrics(None)
        if metrics.vertical and strings_and_numbers:
            # Vertical writing is rare in records; refuse rather than guess positions.
            raise UnsupportedContentError("vertical-writing text on a page with redactions")
        size, th, ts = gs.size, gs.th, gs.ts
        unit = size * th  # text space units per 1000 of a TJ displacement, times 1000
        sm = tm @ gs.ctm
        sx = (sm.a ** 2 + sm.b ** 2) ** 0.5  # user space length of one text space unit
        # Each glyph's text rendering matrix is Matrix(size * th, 0, 0, size, pos, ts) @ sm:
        # its linear part is the run's; only the translation moves with the pen. Computed
        # here term by term as Matrix.__matmul__ and Matrix.apply do (same floats).
        sa, sb, sc, sd, se, sf = sm.a, sm.b, sm.c, sm.d, sm.e, sm.f
        hs = size * th
        ma, mb = hs * sa + 0 * sc, hs * sb + 0 * sd
        mc, md = 0 * sa + size * sc, 0 * sb + size * sd
        tse, tsf = ts * sc, ts * sd
        mid = (metrics.ascent + metrics.descent) / 2
        mcy, mdy = mc * mid, md * mid
        tco, two = gs.tco, gs.two
        under = self._under_box

        def place() -> tuple[list, bool, float]:
            """Every glyph: (key, glyph, pen position, translation (e, f) of its text
            rendering matrix, centre x, centre y, under a box); any under a box; the end."""
            glyphs: list = []
            append = glyphs.append
            pos = 0.0  # original pen, text units from the operator's start
            k = -1
            removed = False
            for item in strings_and_numbers:
                if not isinstance(item, pikepdf.String):
                    pos -= _f(item) / 1000.0 * unit
                    continue
                for g in metrics.glyphs(bytes(item)):
                    k += 1
                    me = pos * sa + tse + se
                    mf = pos * sb + tsf + sf
                    hw = g.width / 2
                    cx = ma * hw + mcy + me
                    cy = mb * hw + mdy + mf
                    gone = under(cx, cy)
                    removed = removed or gone
                    append((prefix + (k,), g, pos, (me, mf), cx, cy, gone))
                    pos += (g.width * size + tco + (two if g.is_space else 0.0)) * th
            return glyphs, removed, pos

        def kinds() -> tuple[bool, bool]:
            """Does it draw a space glyph; does it draw any other glyph?"""
            space = other = False
            for item in strings_and_numbers:
                if isinstance(item, pikepdf.String):
                    for g in metrics.glyphs(bytes(item)):
                        if g.is_space:
                            space = True
                        else:
                            other = True
            return space, other

        plain = all(isinstance(item, pikepdf.String) for item in strings_and_numbers)
        aligned = None
        if LAZY_RUNS and self.period is None and math.isfinite(
                sa + sb + sc + sd + se + sf + ma + mb + mc + md + tse + tsf + mcy + mdy + unit + size + th + tco + two):
            # Text drawn along x (sm.b is 0) has every glyph's centre at one height (the
            # terms that vary with the pen are zeros): far from every box, it loses no glyph,
            # and its glyphs are placed only if something asks for them. Likewise along y.
            if sb == 0.0:
                aligned, line = "h", mdy + (tsf + sf)
                near = any(b[1] - 1.0 <= line <= b[3] + 1.0 for b in self.boxes)
            elif sa == 0.0:
                aligned, line = "v", mcy + (tse + se)
                near = any(b[0] - 1.0 <= line <= b[2] + 1.0 for b in self.boxes)
        if aligned is None or near:
            glyphs, removed, pos = place()
        else:
            glyphs, removed = None, False
            pos = lo = hi = 0.0  # the pen, and its extremes where a glyph is drawn
            for item in strings_and_numbers:
                if not isinstance(item, pikepdf.String):
                    pos -= _f(item) / 1000.0 * unit
                    continue
                for g in metrics.glyphs(bytes(item)):
                    if pos < lo:
                        lo = pos
                    elif pos > hi:
                        hi = pos
                    pos += (g.width * size + tco + (two if g.is_space else 0.0)) * th
            # Every glyph's origin is finite (its coordinate along the line, as the glyph
            # loop computes it, lies between those of the extremes).
            if aligned == "h":
                ends = (lo * sa + tse + se, hi * sa + tse + se)
            else:
                ends = (lo * sb + tsf + sf, hi * sb + tsf + sf)
            if not (math.isfinite(pos) and math.isfinite(ends[0]) and math.isfinite(ends[1])):
                glyphs, removed, pos = place()
                aligned = None
        run = _Run(glyphs, place, sm, sx, unit, pos, Matrix(1, 0, 0, 1, pos, 0) @ tm, (ma, mb, mc, md),
                   plain, removed, aligned, (tse + se, tsf + sf), kinds)
        if runs is not None:
            runs[prefix] = run
        return run

    def walk(self, instructions, resources, base: Matrix, top_level: bool = False,
             prefix: tuple = ()):
        """Interpret one content stream; return its instructions as the hooks left them and
        whether they changed anything."""
        hooks = self.hooks
        listens = hooks.listens
        out: list = []
        changed = False
        gs = _State(base)
        stack: list[_State] = []
        tm = Matrix()
        tlm = Matrix()
        open_marked: list[int] = []  # indices in `out` of open BDC/BMC
        path: list = []  # instructions of the path being built
        path_points: list[tuple[float, float]] = []
        path_is_clip = False
        tainted: set[int] = set()
        fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
        # Output text position minus original text position, in text space units along the
        # text x axis, after an operator we re-emitted; reset by every positioning operator.
        drift = 0.0
        zero = self.layout.zero_spacing

        for index, inst in enumerate(instructions):
            if isinstance(inst, pikepdf.ContentStreamInlineImage):
                if hooks.inline_image(self, gs):
                    changed = True
                    continue
                out.append(inst)
                continue
            op = str(inst.operator)
            if listens is not None and op not in listens:
                continue
            operands = inst.operands
            if op in _PATH_BUILD:
                path.append(inst)
                path_points.extend(_path_points(op, operands, gs.ctm))
                continue
            if op in ("W", "W*"):
                path.append(inst)
                path_is_clip = True
                continue
            if op in _PATH_PAINT:
                if hooks.paint(self, op, path_points, path_is_clip):
                    changed = True
                else:
                    out.extend(path)
                    out.append(inst)
                path.clear()
                path_points.clear()
                path_is_clip = False
                continue
            if path:  # a path left unpainted before another operator: keep it as it was
                out.extend(path)
                path.clear()
                path_points.clear()
                path_is_clip = False
            if op == "q":
                stack.append(gs.copy())
            elif op == "Q":
                if stack:
                    gs = stack.pop()
                elif top_level:
                    continue  # an unmatched Q would pop the q we wrap the page in: drop it
            elif op == "cm" and len(operands) == 6:
                gs.ctm = Matrix.of(_f(v) for v in operands) @ gs.ctm
            elif op == "BT":
                tm = Matrix()
                tlm = Matrix()
                drift = 0.0
            elif op == "Tf":
                hooks.select_font(self, gs, fonts, operands)
            elif op == "gs" and operands:
                egs_dict = resources.get("/ExtGState") if isinstance(resources, pikepdf.Dictionary) else None
                egs = egs_dict.get(operands[0]) if isinstance(egs_dict, pikepdf.Dictionary) else None
                if isinstance(egs, pikepdf.Dictionary):
                    font = egs.get("/Font")
                    if isinstance(font, pikepdf.Array) and len(font) == 2:
                        hooks.extgstate_font(self, gs, font)
            elif op in ("Tc", "Tw") and operands:
                key = prefix + (index,)
                orig = _f(operands[0])
                if key in zero:
                    operands = [0]
                    inst = pikepdf.ContentStreamInstruction(operands, pikepdf.Operator(op))
                    changed = True
                if op == "Tc":
                    gs.tc, gs.tco, gs.tc_src = _f(operands[0]), orig, key
                else:
                    gs.tw, gs.two, gs.tw_src = _f(operands[0]), orig, key
            elif op == "Tr" and operands:
                gs.tr = int(_f(operands[0]))
            elif op == "Tz" and operands:
                gs.th = _f(operands[0]) / 100.0
            elif op == "TL" and operands:
                gs.tl = _f(operands[0])
            elif op == "Ts" and operands:
                gs.ts = _f(operands[0])
            elif op == "Td" and len(operands) == 2:
                tlm = Matrix(1, 0, 0, 1, _f(operands[0]), _f(operands[1])) @ tlm
                tm = tlm
                drift = 0.0
            elif op == "TD" and len(operands) == 2:
                gs.tl = -_f(operands[1])
                tlm = Matrix(1, 0, 0, 1, _f(operands[0]), _f(operands[1])) @ tlm
                tm = tlm
                drift = 0.0
            elif op == "Tm" and len(operands) == 6:
                tlm = Matrix.of(_f(v) for v in operands)
                tm = tlm
                drift = 0.0
            elif op == "T*":
                tlm = Matrix(1, 0, 0, 1, 0, -gs.tl) @ tlm
                tm = tlm
                drift = 0.0
            elif op in ("Tj", "TJ", "'", '"'):
                forced = False
                if op == '"' and len(operands) == 3:
                    key = prefix + (index,)
                    gs.tw_src = gs.tc_src = key
                    gs.two, gs.tco = _f(operands[0]), _f(operands[1])
                    if key in zero:
                        operands = [0, 0, operands[2]]
                        forced = True
                    gs.tw, gs.tc = _f(operands[0]), _f(operands[1])
                if op in ("'", '"'):
                    tlm = Matrix(1, 0, 0, 1, 0, -gs.tl) @ tlm
                    tm = tlm
                    drift = 0.0
                if op == "TJ":
                    arr = list(operands[0]) if operands and isinstance(operands[0], pikepdf.Array) else []
                else:
                    arr = [operands[-1]] if operands and isinstance(operands[-1], pikepdf.String) else []
                new, tm, drift = hooks.show(self, gs, tm, arr, prefix + (index,), drift, inst)
                if new is not None:
                    changed = True
                    tainted.update(open_marked)
                if new is None and not forced:
                    out.append(inst)
                else:
                    changed = True
                    if new is None:
                        new = pikepdf.Array(arr)
                    if op == '"':
                        out.append(pikepdf.ContentStreamInstruction([operands[0]], pikepdf.Operator("Tw")))
                        out.append(pikepdf.ContentStreamInstruction([operands[1]], pikepdf.Operator("Tc")))
                    if op in ("'", '"'):
                        out.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("T*")))
                    if len(new):
                        out.append(pikepdf.ContentStreamInstruction([new], pikepdf.Operator("TJ")))
                continue
            elif op in ("BDC", "BMC"):
                open_marked.append(len(out))
            elif op == "EMC":
                if open_marked:
                    open_marked.pop()
            elif op == "Do" and operands and isinstance(xobjects, pikepdf.Dictionary):
                replacement = self._do(operands[0], xobjects, gs.ctm, resources, prefix + (index,))
                if replacement is not None:
                    changed = True
                    out.append(pikepdf.ContentStreamInstruction([replacement], pikepdf.Operator("Do")))
                    continue
            out.append(inst)

        out.extend(path)
        if top_level:
            out.extend(pikepdf.ContentStreamInstruction([], pikepdf.Operator("Q")) for _ in stack)
        for idx in tainted:
            inst = out[idx]
            if str(inst.operator) == "BDC" and len(inst.operands) == 2 and isinstance(
                    inst.operands[1], pikepdf.Dictionary):
                props = pikepdf.Dictionary({k: v for k, v in inst.operands[1].items()
                                            if k not in _TEXT_KEYS})
                out[idx] = pikepdf.ContentStreamInstruction([inst.operands[0], props],
                                                            pikepdf.Operator("BDC"))
        return out, changed

    def _do(self, name, xobjects: pikepdf.Dictionary, ctm: Matrix, resources, path: tuple):
        """Handle ``Do``: hand the drawn image or form to the hooks. Returns a new XObject
        name when the drawn object had to be replaced by a redacted copy."""
        xobj = xobjects.get(name)
        if not isinstance(xobj, pikepdf.Stream):
            return None
        subtype = str(xobj.get("/Subtype", ""))
        if subtype == "/Image":
            return self.hooks.image(self, name, xobj, xobjects, ctm, resources)
        if subtype != "/Form":
            return None
        return self.hooks.form(self, name, xobj, xobjects, ctm, resources, path)

    def enter_form(self, xobj: pikepdf.Stream, ctm: Matrix) -> tuple[tuple[int, int], Matrix]:
        """The form's identity and the CTM its content starts with; refuses a form that draws
        itself or nests too deep."""
        key = xobj.objgen if xobj.is_indirect else (id(xobj), 0)
        if key in self._form_stack or len(self._form_stack) >= MAX_FORM_DEPTH:
            raise UnsupportedContentError("Form XObjects nest too deep or draw themselves")
        fm = xobj.get("/Matrix")
        form_matrix = Matrix.of(_f(v) for v in fm) if isinstance(fm, pikepdf.Array) and len(fm) == 6 else Matrix()
        return key, form_matrix @ ctm

    def walk_form(self, key, xobj: pikepdf.Stream, form_resources, form_ctm: Matrix, path: tuple):
        self._form_stack.append(key)
        try:
            instructions = pikepdf.parse_content_stream(xobj)
            return self.walk(instructions, form_resources, form_ctm, prefix=path)
        finally:
            self._form_stack.pop()

    @staticmethod
    def _unique_name(d: pikepdf.Dictionary, base: str) -> str:
        stem = base.lstrip("/")
        i = 1
        while f"/{stem}_R{i}" in d:
            i += 1
        return f"/{stem}_R{i}"


class _Run:
    """One text-showing operator's glyphs where the input draws them: (key, glyph, pen
    position, translation (e, f) of the glyph's text rendering matrix, centre x, centre y,
    under a box) each, made on first use; the rendering matrices' common linear part is
    ``trm``."""

    __slots__ = ("_glyphs", "_place", "sm", "sx", "unit", "end", "tm", "trm", "plain", "removed", "aligned",
                 "origin", "glyph_kinds")

    def __init__(self, glyphs, place, sm: Matrix, sx: float, unit: float, end: float, tm: Matrix, trm: tuple,
                 plain: bool, removed: bool, aligned: str | None, origin: tuple[float, float], kinds):
        self._glyphs = glyphs
        self._place = place
        self.sm, self.sx, self.unit = sm, sx, unit
        self.end = end  # the pen after the operator, text units from its start
        self.tm = tm  # the text matrix after the operator
        self.trm = trm  # (a, b, c, d) of every glyph's text rendering matrix
        self.plain = plain  # only strings: no TJ displacement (nor anything else) between them
        self.removed = removed  # some glyph is under a box (False: none is)
        # "h": every glyph's origin at one height (text along x), "v": at one x; None: any
        self.aligned = aligned
        self.origin = origin  # the first glyph's origin (e, f), had it no displacement before it
        self.glyph_kinds = kinds  # () -> (draws a space glyph, draws another glyph)

    @property
    def glyphs(self) -> list:
        if self._glyphs is None:
            self._glyphs = self._place()[0]
        return self._glyphs


def _form_resources(xobj: pikepdf.Stream, resources):
    form_resources = xobj.get("/Resources")
    return form_resources if isinstance(form_resources, pikepdf.Dictionary) else resources


class _Drawing:
    """Hooks shared by the walks that place glyphs (removal and measuring)."""

    listens = None  # every operator

    @staticmethod
    def select_font(w: ContentWalker, gs: _State, fonts, operands) -> None:
        if len(operands) == 2:
            gs.font = fonts.get(operands[0]) if isinstance(fonts, pikepdf.Dictionary) else None
            gs.metrics = w._metrics(gs.font)
            gs.size = _f(operands[1])

    @staticmethod
    def extgstate_font(w: ContentWalker, gs: _State, font: pikepdf.Array) -> None:
        gs.font = font[0]
        gs.metrics = w._metrics(font[0])
        gs.size = _f(font[1])


class _Removal(_Drawing):
    """Drop every glyph, shape and inline image under a box; re-emit the glyphs that stay at
    their target positions; replace images and forms under a box by redacted copies."""

    @staticmethod
    def inline_image(w: ContentWalker, gs: _State) -> bool:
        if w._hits_box(gs.ctm.transform_box((0, 0, 1, 1))):
            # Inline images are small (logos, signatures): drop one that a box touches.
            w.stats.inline_images_removed += 1
            return True
        return False

    @staticmethod
    def paint(w: ContentWalker, op: str, path_points, path_is_clip: bool) -> bool:
        if (op != "n" and not path_is_clip and path_points
                and any(all(contains_point(b, x, y, tol=0.5) for x, y in path_points) for b in w.boxes)):
            # A shape drawn wholly under a box (a signature stroke, an underline, an
            # earlier black box) goes with what the box withholds.
            w.stats.paths_removed += 1
            return True
        return False

    @staticmethod
    def show(w: ContentWalker, gs: _State, tm: Matrix, arr, prefix: tuple, drift: float, inst):
        """Returns the new TJ array (None when the operator can stay as it was), the text
        matrix after it and the drift after it."""
        run = w.glyph_run(gs, tm, arr, prefix)
        if (not run.removed and run.plain and -1e-6 <= drift <= 1e-6 and gs.tc == gs.tco and gs.tw == gs.two
                and prefix not in w.shifted):
            # Nothing of the operator moves: every glyph is drawn where the one before it
            # ends, as the loop below would find (it would leave the operator as it is).
            return None, run.tm, drift
        size, th, sm, sx, unit = gs.size, gs.th, run.sm, run.sx, run.unit
        shifts = w.layout.shifts
        new_items: list = []
        current = bytearray()
        pen = drift  # output pen, text units from the operator's start
        modified = abs(drift) > 1e-6
        for key, g, pos, _m, _cx, _cy, removed in run.glyphs:
            if removed:
                modified = True
                w.stats.glyphs_removed += 1
                if isinstance(gs.font, pikepdf.Object) and gs.font.is_indirect:
                    w.stats.fonts_touched.setdefault(gs.font.objgen, set()).add(g.code)
                continue
            target = pos
            shift = shifts.get(key)
            if shift is not None and sx:
                target += (shift[0] * sm.a + shift[1] * sm.b) / (sx * sx)
            if abs(target - pen) > 1e-6:
                if unit == 0:
                    raise UnsupportedContentError("zero-size text on a redacted line")
                if current:
                    new_items.append(pikepdf.String(bytes(current)))
                    current.clear()
                new_items.append(-(target - pen) * 1000.0 / unit)
                modified = True
            current.extend(g.code)
            pen = target + (g.width * size + gs.tc + (gs.tw if g.is_space else 0.0)) * th
        if current:
            new_items.append(pikepdf.String(bytes(current)))
        if not modified:
            return None, run.tm, drift
        return pikepdf.Array([_round(x) for x in new_items]), run.tm, pen - run.end

    @staticmethod
    def image(w: ContentWalker, name, xobj, xobjects, ctm: Matrix, resources):
        if w._hits_box(ctm.transform_box((0, 0, 1, 1))):
            new_name = w._unique_name(xobjects, str(name))
            copy = _clone_stream(w.pdf, xobj)
            xobjects[new_name] = copy
            w.stats.images.append(ImagePlacement(new_name, copy, ctm, resources))
            return pikepdf.Name(new_name)
        return None

    @staticmethod
    def form(w: ContentWalker, name, xobj, xobjects, ctm: Matrix, resources, path: tuple):
        key, form_ctm = w.enter_form(xobj, ctm)
        bbox = xobj.get("/BBox")
        if isinstance(bbox, pikepdf.Array) and len(bbox) == 4 and path not in w._enter:
            if not w._hits_box(form_ctm.transform_box(tuple(_f(v) for v in bbox))):
                return None
        # Work on a private copy of the form's resources: redacted copies of nested objects are
        # registered there, and the originals are dropped from it, never from a shared dict.
        form_resources = _localize(_form_resources(xobj, resources))
        new_instr, changed = w.walk_form(key, xobj, form_resources, form_ctm, path)
        changed = w._rewrite_patterns(form_resources, form_ctm) or changed
        if not changed:
            return None
        w.stats.forms_rewritten += 1
        _prune_xobjects(form_resources, new_instr)
        copy = _clone_stream(w.pdf, xobj, data=pikepdf.unparse_content_stream(new_instr))
        copy.Resources = form_resources
        new_name = w._unique_name(xobjects, str(name))
        xobjects[new_name] = copy
        return pikepdf.Name(new_name)


class _Measuring(_Drawing):
    """Record every glyph (with where it is drawn), image and filled shape; change nothing."""

    @staticmethod
    def inline_image(w: ContentWalker, gs: _State) -> bool:
        w.image_boxes.append(gs.ctm.transform_box((0, 0, 1, 1)))
        return False

    @staticmethod
    def paint(w: ContentWalker, op: str, path_points, path_is_clip: bool) -> bool:
        if op not in ("S", "s", "n") and path_points:
            xs, ys = [p[0] for p in path_points], [p[1] for p in path_points]
            w.fill_boxes.append((min(xs), min(ys), max(xs), max(ys)))
        return False

    @staticmethod
    def show(w: ContentWalker, gs: _State, tm: Matrix, arr, prefix: tuple, drift: float, inst):
        run = w.glyph_run(gs, tm, arr, prefix)
        sm, sx = run.sm, run.sx
        size, th = gs.size, gs.th
        # What is the same for every glyph of the operator, computed once.
        dx, dy = (sm.a / sx, sm.b / sx) if sx else (1.0, 0.0)
        em = abs(size) * (sm.c ** 2 + sm.d ** 2) ** 0.5
        invisible = gs.tr in (3, 7)
        ops = tuple(x for x in (gs.tc_src, None) if x)
        ops_space = tuple(x for x in (gs.tc_src, gs.tw_src) if x)

        def placements() -> list[GlyphPlacement]:
            ma, mb, mc, md = run.trm
            out = []
            append = out.append
            zx, zy = ma * 0 + mc * 0, mb * 0 + md * 0  # Matrix.apply(0, 0) is (zx + e, zy + f)
            for key, g, _pos, (me, mf), cx, cy, removed in run.glyphs:
                ox, oy = zx + me, zy + mf
                space = g.is_space
                # fields in order: key, x, y, dx, dy, advance, em, cx, cy, removed, space, invisible, spacing_ops
                append(GlyphPlacement(key, ox, oy, dx, dy, abs(g.width * size * th) * sx, em, cx, cy, removed,
                                      space, invisible, ops_space if space else ops))
            return out

        axis = axis_of(dx, dy)
        if not run.removed and run.aligned is not None and axis is not None and (
                (run.aligned == "h") == (axis[1] == 0.0)):
            # Nothing of it is removed and every glyph is on one baseline: one entry for
            # all, its glyphs placed if the layout asks for them.
            ex, ey = run.origin  # every glyph's origin has this y (along x) or this x (along y)
            u = baseline(axis, 0.0, ey) if run.aligned == "h" else baseline(axis, ex, 0.0)
            if arr:
                w.placements.add_run(GlyphRun(axis, u, em, ops, ops_space, placements, run.glyph_kinds))
        else:
            w.placements.add(placements())
        return None, run.tm, drift

    @staticmethod
    def image(w: ContentWalker, name, xobj, xobjects, ctm: Matrix, resources):
        w.image_boxes.append(ctm.transform_box((0, 0, 1, 1)))
        return None

    @staticmethod
    def form(w: ContentWalker, name, xobj, xobjects, ctm: Matrix, resources, path: tuple):
        key, form_ctm = w.enter_form(xobj, ctm)
        w.walk_form(key, xobj, _form_resources(xobj, resources), form_ctm, path)
        return None


REMOVAL = _Removal()
MEASURING = _Measuring()


class UsedCodes:
    """Hooks that collect, for each (indirect) font, every glyph code a content stream draws
    with it. Only the font state and drawing operators are interpreted: positions do not
    matter here, and a stream that cannot be parsed, or forms nested too deep, are skipped
    (a code missed can only be forgotten if it was also removed)."""

    listens = frozenset({"q", "Q", "Tf", "gs", "Tj", "TJ", "'", '"', "Do"})

    def __init__(self, pdf: pikepdf.Pdf, fonts=None):
        self.walker = ContentWalker(pdf, [], hooks=self)
        self.used: dict[tuple[int, int], set[bytes]] = {}
        # Only the codes of these fonts (objgens) are collected (None: of every font).
        self.fonts = fonts
        self._seen_streams: set[tuple[int, int]] = set()
        self._metrics: dict[tuple[int, int], FontMetrics] = {}
        self._depth = 0

    def scan(self, stream: pikepdf.Stream, resources, depth: int = 0) -> None:
        """Collect the codes ``stream`` (and the forms and tiling patterns it can draw) uses."""
        if depth > 16:
            return
        if stream.is_indirect:
            if stream.objgen in self._seen_streams:
                return
            self._seen_streams.add(stream.objgen)
        try:
            instructions = pikepdf.parse_content_stream(stream)
        except pikepdf.PdfError:
            return
        patterns = resources.get("/Pattern") if isinstance(resources, pikepdf.Dictionary) else None
        if isinstance(patterns, pikepdf.Dictionary):  # tiling-pattern cells draw glyphs too
            for _, pat in patterns.items():
                if isinstance(pat, pikepdf.Stream) and pat.get("/PatternType") == 1:
                    self.scan(pat, pat.get("/Resources", pikepdf.Dictionary()), depth + 1)
        outer, self._depth = self._depth, depth
        try:
            self.walker.walk(instructions, resources, Matrix())
        finally:
            self._depth = outer

    @staticmethod
    def inline_image(w: ContentWalker, gs: _State) -> bool:
        return False

    @staticmethod
    def paint(w: ContentWalker, op: str, path_points, path_is_clip: bool) -> bool:
        return False

    @staticmethod
    def select_font(w: ContentWalker, gs: _State, fonts, operands) -> None:
        if operands and isinstance(fonts, pikepdf.Dictionary):
            gs.font = fonts.get(operands[0])

    @staticmethod
    def extgstate_font(w: ContentWalker, gs: _State, font: pikepdf.Array) -> None:
        gs.font = font[0]

    def show(self, w: ContentWalker, gs: _State, tm: Matrix, arr, prefix: tuple, drift: float, inst):
        font = gs.font
        if isinstance(font, pikepdf.Dictionary) and font.is_indirect:
            key = font.objgen
            if self.fonts is not None and key not in self.fonts:
                return None, tm, drift
            m = self._metrics.get(key)
            if m is None:
                try:
                    m = self._metrics[key] = FontMetrics(font)
                except Exception:
                    return None, tm, drift
            op, operands = str(inst.operator), inst.operands
            items = operands[0] if op == "TJ" and operands else operands[-1:]
            for item in items:
                if isinstance(item, pikepdf.String):
                    self.used.setdefault(key, set()).update(m.codes(bytes(item)))
        return None, tm, drift

    @staticmethod
    def image(w: ContentWalker, name, xobj, xobjects, ctm: Matrix, resources):
        return None

    def form(self, w: ContentWalker, name, xobj, xobjects, ctm: Matrix, resources, path: tuple):
        self.scan(xobj, xobj.get("/Resources", resources), self._depth + 1)
        return None


def _periodic(lo: float, hi: float, blo: float, bhi: float, step: float) -> bool:
    """Does [lo, hi], shifted by some whole number of ``step``, meet [blo, bhi]?"""
    if step <= 1e-9:
        return lo <= bhi and blo <= hi
    return math.ceil((blo - hi) / step - 1e-9) <= math.floor((bhi - lo) / step + 1e-9)


def draws_text(stream: pikepdf.Stream) -> bool:
    """Does this content stream show text (directly; forms it draws are not opened)?"""
    try:
        return any(str(i.operator) in ("Tj", "TJ", "'", '"') for i in pikepdf.parse_content_stream(stream)
                   if not isinstance(i, pikepdf.ContentStreamInlineImage))
    except pikepdf.PdfError:
        raise UnsupportedContentError("a tiling pattern's content cannot be parsed") from None


_PATH_BUILD = {"m", "l", "c", "v", "y", "h", "re"}
_PATH_PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"}


def _path_points(op: str, operands, ctm: Matrix) -> list[tuple[float, float]]:
    """User-space points of one path operator (control points included: a conservative
    bounding box)."""
    nums = [_f(v) for v in operands]
    if op == "re" and len(nums) == 4:
        x, y, w, h = nums
        return [ctm.apply(x, y), ctm.apply(x + w, y), ctm.apply(x, y + h), ctm.apply(x + w, y + h)]
    return [ctm.apply(nums[i], nums[i + 1]) for i in range(0, len(nums) - 1, 2)]


def _localize(resources) -> pikepdf.Dictionary:
    """A shallow copy of a resource dictionary with its own /XObject dictionary."""
    local = pikepdf.Dictionary()
    if isinstance(resources, pikepdf.Dictionary):
        for k, v in resources.items():
            local[k] = v
    xobjects = local.get("/XObject")
    if isinstance(xobjects, pikepdf.Dictionary):
        local.XObject = pikepdf.Dictionary({k: v for k, v in xobjects.items()})
    return local


def _prune_xobjects(resources: pikepdf.Dictionary, instructions) -> None:
    """Drop XObject names the (rewritten) content no longer draws: an original that was
    replaced by a redacted copy must not stay reachable from this page."""
    xobjects = resources.get("/XObject")
    if not isinstance(xobjects, pikepdf.Dictionary):
        return
    used = {str(i.operands[0]) for i in instructions
            if not isinstance(i, pikepdf.ContentStreamInlineImage) and str(i.operator) == "Do" and i.operands}
    for name in list(xobjects.keys()):
        if name not in used:
            del xobjects[name]


def _clone_stream(pdf: pikepdf.Pdf, stream: pikepdf.Stream, data: bytes | None = None) -> pikepdf.Stream:
    """A new indirect stream with the same dictionary (less encoding keys) and given data."""
    if data is None:
        new = pikepdf.Stream(pdf, b"")
        for k, v in stream.items():
            if k not in ("/Length", "/Filter", "/DecodeParms"):
                new[k] = v
        new.write(stream.read_raw_bytes(), filter=stream.get("/Filter"),
                  decode_parms=stream.get("/DecodeParms"))
    else:
        new = pikepdf.Stream(pdf, data)
        for k, v in stream.items():
            if k not in ("/Length", "/Filter", "/DecodeParms"):
                new[k] = v
    return pdf.make_indirect(new)


def _round(x):
    if isinstance(x, float):
        return round(x, 3)
    return x
