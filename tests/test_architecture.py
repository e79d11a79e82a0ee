"""The shape of the code: layers as README.md states them, no import cycles, no import of
another module's private name, no module longer than :data:`MAX_LINES`.

The import rules are read from README.md, between ``<!-- import-rules -->`` and
``<!-- /import-rules -->``, so the README and this test cannot disagree. How imports are
found (every import, relative ones resolved): :mod:`tests.import_graph`.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from tests.import_graph import (
    NOTHING,
    Codebase,
    cycles,
    is_data_table,
    is_private,
    layer_packages,
    read_import_rules,
)

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: Longest module allowed [lines]; data tables (only literal data) are exempt.
MAX_LINES = 420


@pytest.fixture(scope="module")
def code() -> Codebase:
    return Codebase(ROOT)


def layer_violations(code: Codebase, rules: dict[str, frozenset[str]]) -> list[str]:
    offenders = []
    for imp in code.imports:
        package = imp.importer.name.split(".")[0]
        if package not in rules:
            continue  # tests/, bench/, or a package without a rule (reported on its own)
        used = imp.target.split(".")[0]
        if used != package and used not in rules[package]:
            allowed = ", ".join(sorted(rules[package])) or NOTHING
            offenders.append(
                f"{imp.where} imports {imp.target}; README.md allows {package} -> {allowed}"
            )
    return offenders


def cycle_paths(code: Codebase) -> list[str]:
    graph = code.graph()
    return [
        " -> ".join(f"{a} ({graph[a][b]})" for a, b in itertools.pairwise(cycle))
        + f" -> {cycle[-1]}"
        for cycle in cycles(graph)
    ]


def private_uses(code: Codebase) -> list[str]:
    """``from x import _y``, ``x._y``, and private modules imported from outside their
    package, where ``x`` is another module of ours."""
    offenders = []
    for imp in code.imports:
        me = imp.importer.name
        offenders += [
            f"{imp.where} imports {name} from {imp.target}"
            for name in imp.names
            if is_private(name) and imp.target != me
        ]
        parts = imp.target.split(".")
        private_at = next((i for i, part in enumerate(parts) if is_private(part)), None)
        if private_at is not None:
            owner = ".".join(parts[:private_at])
            if not (me == owner or me.startswith(f"{owner}.")):
                offenders.append(f"{imp.where} imports the private module {imp.target}")
    for name, module in code.modules.items():
        bound = code.module_names(name)
        for node in ast.walk(code.trees[name]):
            if isinstance(node, ast.Attribute) and is_private(node.attr):
                owner = code.module_of(node.value, name, bound)
                if owner is not None and owner != name:
                    offenders.append(f"{module.where}:{node.lineno} uses {owner}.{node.attr}")
    return offenders


def long_modules(code: Codebase) -> list[str]:
    offenders = []
    for name, module in code.modules.items():
        lines = len(module.path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and not is_data_table(code.trees[name]):
            offenders.append(f"{module.where}:{MAX_LINES + 1}: {lines} lines")
    return offenders


# -- the rules, on our code ------------------------------------------------------------


def test_readme_states_a_rule_for_every_package():
    rules = read_import_rules(README.read_text(encoding="utf-8"))
    packages = set(layer_packages(ROOT))
    named = set(rules) | {p for allowed in rules.values() for p in allowed}
    problems = [f"{p}/ has no rule in README.md's import rules" for p in packages - set(rules)]
    problems += [
        f"README.md's import rules name {p}, which is no package" for p in named - packages
    ]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_packages_import_only_what_the_readme_allows(code: Codebase):
    rules = read_import_rules(README.read_text(encoding="utf-8"))
    if offenders := layer_violations(code, rules):
        pytest.fail("imports across layers:\n" + "\n".join(offenders), pytrace=False)


def test_no_import_cycles(code: Codebase):
    if described := cycle_paths(code):
        pytest.fail(
            "import cycles (each module with the file:line of its import of the next):\n"
            + "\n".join(described),
            pytrace=False,
        )


def test_no_module_imports_a_private_name_of_another(code: Codebase):
    if offenders := private_uses(code):
        pytest.fail(
            "private names used from another module (make them public with a docstring, "
            "or move them):\n" + "\n".join(offenders),
            pytrace=False,
        )


def test_no_module_is_longer_than_the_limit(code: Codebase):
    if offenders := long_modules(code):
        pytest.fail(
            f"modules longer than {MAX_LINES} lines (split them by concept):\n"
            + "\n".join(offenders),
            pytrace=False,
        )


# -- the checks themselves, on a small made-up tree ------------------------------------


def _write(root: Path, files: dict[str, str]) -> Codebase:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for folder in ("tests", "bench"):
        (root / folder).mkdir(exist_ok=True)
    return Codebase(root)


def test_the_checks_find_what_they_should(tmp_path: Path):
    code = _write(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/a.py": "from ..high import b\n",  # relative, and a layer violation
            "low/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from low import a\n",
            "high/__init__.py": "",
            "high/b.py": "import low.c\nfrom low import a\nx = low.c._hidden\n"
            "def f():\n    from .d import _secret\n",
            "high/d.py": "from high import b\n",
            "bench/run.py": "import helper\n",
            "bench/helper.py": "import run\n",
        },
    )
    rules = {"low": frozenset(), "high": frozenset({"low"})}
    assert layer_violations(code, rules) == [
        f"low/a.py:1 imports high.b; README.md allows low -> {NOTHING}"
    ]
    assert cycles(code.graph()) == [
        ["bench.helper", "bench.run", "bench.helper"],
        ["high.b", "high.d", "high.b"],
        ["high.b", "low.a", "high.b"],
    ]  # low.c -> low.a is type-only: no cycle through it
    assert private_uses(code) == [
        "high/b.py:5 imports _secret from high.d",
        "high/b.py:3 uses low.c._hidden",
    ]


def test_data_tables_may_be_long(tmp_path: Path):
    rows = "".join(f"    ({i}, {i / 2}),\n" for i in range(MAX_LINES))
    code = _write(tmp_path, {"data/__init__.py": "", "data/table.py": f"ROWS = [\n{rows}]\n"})
    assert long_modules(code) == []
    (tmp_path / "data/table.py").write_text(f"ROWS = sorted([\n{rows}])\n")
    assert long_modules(Codebase(tmp_path)) == [f"data/table.py:{MAX_LINES + 1}: 422 lines"]
