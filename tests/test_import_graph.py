"""The project's import graph, read from the source with ``ast``: no cycle anywhere, and the
PDF writer and the PDF verifier never import each other (verification must be independent of
the code that wrote the file)."""

from __future__ import annotations

import ast
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"redactor": ROOT / "redactor", "recognizers": ROOT / "recognizers"}

# The PDF verifier's side and the writer's side; shared helpers (geometry, values, model,
# labels) may be imported by both.
VERIFIER = {"redactor.formats.pdf.verify"}
WRITER = {f"redactor.formats.pdf.{m}" for m in ("write", "content", "layout", "fonts", "fontprograms",
                                                 "fontprune", "images", "sanitize", "flatten", "ocr_layer")}


def _module_name(path: Path) -> str:
    for name, root in PACKAGES.items():
        if path.is_relative_to(root):
            parts = [name, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            return ".".join(parts)
    raise ValueError(path)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for root in PACKAGES.values() for p in sorted(root.rglob("*.py"))}


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """module -> project modules it imports (anywhere in its body, also inside functions)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}

    def known(name: str) -> str | None:
        while name:
            if name in modules:
                return name
            name = name.rpartition(".")[0]
        return None

    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(block.test) for n in ast.walk(block)}
        for node in ast.walk(tree):
            if id(node) in typing_only:  # annotations only: not an import at run time
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, path.name == "__init__.py", node)
                # "from . import x" names a submodule; "from .m import f" names module m.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for t in targets:
                k = known(t)
                if k and k != module:
                    graph[module].add(k)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _package_edges(graph):
    """Edges between a package and its own submodules (a package's __init__ importing its
    modules lazily, and the modules importing shared names from the package) are how a package
    is built, not a dependency between parts: leave them out of the cycle check."""
    pruned = {}
    for m, deps in graph.items():
        pruned[m] = {d for d in deps if not (d.startswith(m + ".") or m.startswith(d + "."))}
    return pruned


def test_graph_sees_the_project():
    graph = import_graph()
    assert "redactor.formats.pdf.write" in graph and "redactor.formats.pdf.verify" in graph
    assert "redactor.formats.pdf.content" in graph["redactor.formats.pdf.write"]
    assert "redactor.values" in graph["redactor.formats.pdf.verify"]


def test_no_import_cycle():
    cycles = [c for c in _cycles(_package_edges(import_graph())) if not all(m.startswith("recognizers") for m in c)]
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_import_cycle_in_recognizers():
    cycles = [c for c in _cycles(_package_edges(import_graph())) if all(m.startswith("recognizers") for m in c)]
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_writer_and_verifier_never_import_each_other():
    graph = import_graph()

    def reach(start: set[str]) -> set[str]:
        seen, todo = set(), list(start)
        while todo:
            m = todo.pop()
            for d in graph.get(m, ()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    assert not reach(VERIFIER) & WRITER, "the PDF verifier depends on writer modules"
    assert not reach(WRITER) & VERIFIER, "the PDF writer depends on the verifier"
    # Each PDF reader's documents are checked by the other engine: the verifier reads with
    # pdfium itself, or with the default reader (read.py), never with the pdfium reader.
    assert "redactor.formats.pdf.read_pdfium" in graph
    assert "redactor.formats.pdf.read_pdfium" not in reach(VERIFIER), "the PDF verifier depends on the pdfium reader"
    email_reader_writer = {f"redactor.formats.email.{m}" for m in ("message", "release", "html")}
    assert "redactor.formats.email.check" in graph
    assert not reach({"redactor.formats.email.check"}) & email_reader_writer, \
        "the email verifier depends on the email reader or writer"


# The pipeline's stages: only the formats know formats.
PIPELINE = {"redactor.pipeline", "redactor.batch", "redactor.ingest", "redactor.detect", "redactor.policy",
            "redactor.plan", "redactor.values", "redactor.model", "redactor.report", "redactor.cli",
            "redactor.settings"}


def test_docx_verifier_reads_the_copy_with_its_own_code():
    """The DOCX verifier (zipfile + expat) imports none of the reader's or writer's modules
    (lxml package reading, stories, writer), and the writer does not import the verifier."""
    graph = import_graph()
    verifier = {"redactor.formats.docx.verify"}
    writer = {f"redactor.formats.docx.{m}" for m in ("write", "stories", "package", "ooxml")}
    assert verifier <= set(graph) and writer <= set(graph)

    def reach(start: set[str]) -> set[str]:
        seen, todo = set(), list(start)
        while todo:
            for d in graph.get(todo.pop(), ()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    assert not reach(verifier) & writer, "the DOCX verifier depends on reader or writer modules"
    assert not reach(writer) & verifier, "the DOCX writer depends on the verifier"


def test_pipeline_never_branches_on_a_format():
    """No stage of the pipeline compares a format name: it asks the format registry."""
    offenders = []
    for module, path in _modules().items():
        if module not in PIPELINE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                consts = [c.value for c in [node.left, *node.comparators] if isinstance(c, ast.Constant)]
                if any(v in ("pdf", "text", "docx", "email") for v in consts):
                    offenders.append(f"{module}:{node.lineno}")
    assert not offenders, offenders


def test_readme_layout_lists_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout"):]
    layout = layout[:layout.index("\n## ", 4)]
    missing = [str(p.relative_to(ROOT)) for root in PACKAGES.values() for p in sorted(root.rglob("*.py"))
               if p.name != "__init__.py" and f" {p.name} " not in layout.replace("\n", " \n ")]
    assert not missing, f"README's layout does not list: {missing}"


def test_every_module_imports():
    """The fast tier loads every module of both packages (a module no test imports would
    otherwise only fail in a run)."""
    import importlib

    for module in sorted(_modules()):
        importlib.import_module(module)
