"""What a plugin may import from udebench and mmengine, checked on the source's syntax tree (no import runs).

A plugin may use ``udebench.plugin`` (the public plugin API), the top-level names of ``udebench``
(``from udebench import evaluate, get_split, load_model, hookimpl, __version__``) and, in its tests,
``udebench.testing`` (the conformance kit). From mmengine it may use anything public, nothing
``_``-prefixed. ``importlib.import_module("...")`` with a literal name counts as an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import udebench

#: the public modules under udebench, and the names ``from udebench import ...`` may take.
PUBLIC_MODULES = {"udebench.plugin"}
TEST_ONLY_MODULES = {"udebench.testing"}
TOP_LEVEL_NAMES = set(udebench.__all__) | {"plugin"}


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def _module_problem(module: str, *, in_tests: bool) -> str | None:
    """Why importing ``module`` is not allowed, or None."""
    parts = module.split(".")
    if parts[0] == "udebench" and len(parts) > 1:
        allowed = PUBLIC_MODULES | (TEST_ONLY_MODULES if in_tests else set())
        if module not in allowed:
            where = " outside tests" if module in TEST_ONLY_MODULES else ""
            return f"{module} is not the public plugin API{where} (use udebench.plugin)"
    if parts[0] == "mmengine" and any(_private(p) for p in parts[1:]):
        return f"{module} is private to mmengine"
    return None


def _name_problem(module: str, name: str, *, in_tests: bool) -> str | None:
    """Why ``from module import name`` is not allowed (beyond the module itself), or None."""
    if module == "udebench":
        if name == "*":
            return "from udebench import * (name what you use)"
        full = f"udebench.{name}"
        if name == "testing" and in_tests:
            return None
        if name not in TOP_LEVEL_NAMES:
            return f"{full} is not a top-level udebench name (use udebench.plugin)"
    if module.split(".")[0] in ("udebench", "mmengine") and _private(name):
        return f"{module}.{name} is private"
    return None


def forbidden_imports(source: str, *, in_tests: bool = False) -> list[str]:
    """Every import in ``source`` a plugin may not make, as ``"line N: why"`` (empty when all are allowed)."""
    tree = ast.parse(source)
    problems: list[str] = []
    bound: dict[str, str] = {}  # local name -> the udebench/mmengine module or name it is bound to

    def report(node: ast.AST, why: str | None) -> None:
        if why:
            problems.append(f"line {node.lineno}: {why}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                report(node, _module_problem(alias.name, in_tests=in_tests))
                root = alias.name.split(".")[0]
                if root in ("udebench", "mmengine"):
                    bound[alias.asname or root] = alias.name if alias.asname else root
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            report(node, _module_problem(node.module, in_tests=in_tests))
            for alias in node.names:
                report(node, _name_problem(node.module, alias.name, in_tests=in_tests))
                if node.module.split(".")[0] in ("udebench", "mmengine"):
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                report(node, _module_problem(first.value, in_tests=in_tests))
    for node in ast.walk(tree):  # udebench.api.x or mmengine.runner._Private through a bound name
        if isinstance(node, ast.Attribute):
            chain = _dotted(node)
            if chain is None or chain.split(".")[0] not in bound:
                continue
            head, *rest = chain.split(".")
            full = ".".join([bound[head], *rest])
            parts = full.split(".")
            if parts[0] == "udebench" and len(parts) > 1 and parts[1] not in TOP_LEVEL_NAMES | {"testing"}:
                report(node, f"{full} is not the public plugin API (use udebench.plugin)")
            elif any(_private(p) for p in parts[1:]):
                report(node, f"{full} is private")
    return sorted(set(problems), key=lambda p: int(p.split(":")[0].split()[1]))


def _is_import_module(func: ast.expr) -> bool:
    name = _dotted(func) if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name in ("importlib.import_module", "import_module", "__import__")


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for an attribute chain on a plain name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def is_test_file(path: Path) -> bool:
    return "tests" in path.parts or path.name.startswith("test_") or path.name == "conftest.py"
