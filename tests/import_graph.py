"""Read our code as a graph of imports, for tests/test_architecture.py.

Every import counts: at module level or inside a function, absolute or relative,
``__import__`` and ``importlib.import_module`` with a constant name. Each import knows
whether it sits under ``if TYPE_CHECKING:`` (then it never runs, and makes no cycle).
Bench scripts (``bench/*.py``, run with ``bench/`` on ``sys.path``) are modules
``bench.<name>``, and their ``import ingest`` means ``bench.ingest``.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Folders of ours that are not layers: they may import any layer.
NON_LAYER_FOLDERS = ("tests", "bench")
NOTHING = "nothing of ours"
_RULE_LINE = re.compile(r"^\s*(?P<package>\w+)\s*->\s*(?P<allowed>.*?)\s*$")


def read_import_rules(text: str) -> dict[str, frozenset[str]]:
    """The README's import rules: package -> the other packages it may import.

    >>> rules = read_import_rules("x\\n<!-- import-rules -->\\n    a -> nothing of ours\\n"
    ...                           "    b -> a, c\\n<!-- /import-rules -->\\n")
    >>> {package: sorted(allowed) for package, allowed in rules.items()}
    {'a': [], 'b': ['a', 'c']}
    """
    match = re.search(r"<!-- import-rules -->\n(.*?)<!-- /import-rules -->", text, re.S)
    if match is None:
        raise ValueError(
            "README.md has no <!-- import-rules --> ... <!-- /import-rules --> block; "
            "add it under '## Architecture', one 'package -> allowed, packages' a line"
        )
    rules: dict[str, frozenset[str]] = {}
    for line in match.group(1).splitlines():
        if not line.strip():
            continue
        parsed = _RULE_LINE.match(line)
        if parsed is None:
            raise ValueError(f"README.md import rule not understood: {line!r}")
        allowed = parsed["allowed"]
        names = set() if allowed == NOTHING else {n.strip() for n in allowed.split(",")}
        rules[parsed["package"]] = frozenset(names)
    return rules


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. "monitoring.stores.influxdb1"; bench scripts: "bench.ingest"
    path: Path
    where: str  # path relative to the repository root, for messages
    is_package: bool


@dataclass(frozen=True)
class Import:
    """One import of one of our modules: ``importer`` imports ``target`` at ``line``."""

    importer: Module
    line: int
    target: str
    #: Names taken from ``target`` (``from target import a, b``); empty for a module import.
    names: tuple[str, ...]
    type_only: bool

    @property
    def where(self) -> str:
        return f"{self.importer.where}:{self.line}"


def layer_packages(root: Path) -> list[str]:
    """Top-level packages under ``root``, other than :data:`NON_LAYER_FOLDERS`."""
    return sorted(
        path.name
        for path in root.iterdir()
        if path.is_dir()
        and not path.name.startswith(".")
        and path.name not in NON_LAYER_FOLDERS
        and (path / "__init__.py").exists()
    )


def is_private(name: str) -> bool:
    """``_x`` is private; ``__x__`` (``__version__``, ``__all__``) is not.

    >>> [is_private(n) for n in ("_load", "__all__", "load")]
    [True, False, False]
    """
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def walk(tree: ast.AST) -> Iterator[tuple[ast.AST, bool]]:
    """Every node below ``tree``, and whether it sits under ``if TYPE_CHECKING:``."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, type_only = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            children = [(child, True) for child in node.body]
            children += [(child, type_only) for child in node.orelse]
        else:
            children = [(child, type_only) for child in ast.iter_child_nodes(node)]
        yield from children
        stack.extend(children)


def constant_import(node: ast.AST) -> str | None:
    """The module named by ``__import__("x")`` or ``importlib.import_module("x")``."""
    if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
        return None
    func = node.func
    called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if called in ("__import__", "import_module") and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


class Codebase:
    """Our modules under ``root``, parsed once, and every import of one of them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: dict[str, Module] = {}
        for top in (*layer_packages(root), *NON_LAYER_FOLDERS):
            for path in sorted((root / top).rglob("*.py")):
                if "__pycache__" in path.parts:
                    continue
                parts = path.relative_to(root).with_suffix("").parts
                is_package = parts[-1] == "__init__"
                name = ".".join(parts[:-1] if is_package else parts)
                where = str(path.relative_to(root))
                self.modules[name] = Module(name, path, where, is_package)
        self.trees = {
            name: ast.parse(m.path.read_text(encoding="utf-8"), str(m.path))
            for name, m in self.modules.items()
        }
        self.imports = [
            imp
            for name in self.modules
            for imp in sorted(self._imports_of(name), key=lambda imp: imp.line)
        ]

    def resolve(self, dotted: str, importer: Module) -> str | None:
        """The deepest module of ours that ``dotted`` names, or None if not ours."""
        if importer.name.startswith("bench.") and f"bench.{dotted}" in self.modules:
            dotted = f"bench.{dotted}"
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in self.modules:
                return candidate
        return None

    def _base(self, node: ast.ImportFrom, importer: Module) -> str:
        """The absolute name of ``from <this> import ...``, relative imports resolved."""
        if node.level == 0:
            return node.module or ""
        package = importer.name.split(".")
        if not importer.is_package:
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        return ".".join([*package, *([node.module] if node.module else [])])

    def _submodule(self, base: str, name: str, importer: Module) -> str | None:
        """``base.name`` if that is a module of ours (``from base import name``)."""
        full = self.resolve(f"{base}.{name}", importer)
        return full if full in (f"{base}.{name}", f"bench.{base}.{name}") else None

    def _imports_of(self, name: str) -> Iterator[Import]:
        importer = self.modules[name]
        for node, type_only in walk(self.trees[name]):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if target := self.resolve(alias.name, importer):
                        yield Import(importer, line, target, (), type_only)
            elif isinstance(node, ast.ImportFrom):
                base = self._base(node, importer)
                for alias in node.names:
                    if submodule := self._submodule(base, alias.name, importer):
                        yield Import(importer, line, submodule, (), type_only)
                    elif target := self.resolve(base, importer):
                        yield Import(importer, line, target, (alias.name,), type_only)
            elif (dotted := constant_import(node)) and (target := self.resolve(dotted, importer)):
                yield Import(importer, line, target, (), type_only)

    def module_names(self, name: str) -> dict[str, str]:
        """Local names in module ``name`` bound to a module of ours (any scope)."""
        importer = self.modules[name]
        bound: dict[str, str] = {}
        for node, _ in walk(self.trees[name]):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    dotted = alias.name if alias.asname else alias.name.split(".")[0]
                    if (target := self.resolve(dotted, importer)) == dotted:
                        bound[alias.asname or dotted] = target
            elif isinstance(node, ast.ImportFrom):
                base = self._base(node, importer)
                for alias in node.names:
                    if submodule := self._submodule(base, alias.name, importer):
                        bound[alias.asname or alias.name] = submodule
        return bound

    def module_of(self, expr: ast.expr, name: str, bound: dict[str, str]) -> str | None:
        """The module of ours that ``expr`` (in module ``name``) evaluates to, if any."""
        if isinstance(expr, ast.Name):
            return bound.get(expr.id)
        if isinstance(expr, ast.Attribute) and (parent := self.module_of(expr.value, name, bound)):
            child = f"{parent}.{expr.attr}"
            return child if child in self.modules else None
        dotted = constant_import(expr)
        return self.resolve(dotted, self.modules[name]) if dotted else None

    def graph(self) -> dict[str, dict[str, str]]:
        """importer -> {imported module: file:line of its first import}; runtime only."""
        graph: dict[str, dict[str, str]] = {name: {} for name in self.modules}
        for imp in self.imports:
            if not imp.type_only:
                graph[imp.importer.name].setdefault(imp.target, imp.where)
        return graph


def strongly_connected(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def shortest_cycle(graph: dict[str, dict[str, str]], start: str, within: set[str]) -> list[str]:
    """The shortest path ``start -> ... -> start`` inside ``within`` (breadth first)."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child not in within:
                continue
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    raise ValueError(f"{start} is in no cycle within {sorted(within)}")


def cycles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """The shortest cycle through each module that is in one, each cycle once.

    >>> cycles({"a": {"b": ""}, "b": {"a": ""}, "c": {"a": ""}})
    [['a', 'b', 'a']]
    """
    found: set[tuple[str, ...]] = set()
    for component in strongly_connected(graph):
        if len(component) == 1 and component[0] not in graph[component[0]]:
            continue
        for member in component:
            path = shortest_cycle(graph, member, set(component))
            turn = path.index(min(path[:-1]))  # one spelling per cycle, whatever its start
            found.add((*path[turn:-1], *path[:turn], path[turn]))
    return [list(cycle) for cycle in sorted(found)]


def is_data_table(tree: ast.Module) -> bool:
    """True if the module holds only a docstring, imports and literal constants.

    >>> is_data_table(ast.parse('"doc"\\nA = {"x": (1, 2.5)}\\nB: list[int] = [3]'))
    True
    >>> is_data_table(ast.parse("def f():\\n    return 1"))
    False
    """
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            continue
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        if value is None:
            return False
        try:
            ast.literal_eval(value)
        except ValueError:
            return False
    return True
