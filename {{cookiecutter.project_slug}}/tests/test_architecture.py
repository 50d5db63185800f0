"""The package's layout is its architecture: layers import downwards only, and nothing imports in a circle.

    cli  ->  jobs  ->  adapters  ->  core  ->  config, paths

* ``core``: pure decision logic (checks, metrics, triggers, gate, drift statistics, features): no I/O.
* ``adapters``: the outside world (data sources, partitions on disk, git/DVC, MLflow, GitHub).
* ``jobs``: one use case each, wiring core and adapters.
* ``cli``: argparse only; one module per command group.

Every import counts, including the lazy ones inside functions: a lazy import still makes a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import {{ cookiecutter.package_name }} as package

ROOT = Path(package.__file__).parent
NAME = package.__name__
LAYERS = {"core": 1, "adapters": 2, "jobs": 3, "cli": 4}
FOUNDATION = {"config", "paths", "__init__", "__main__"}
# What "no I/O" means for core: none of these may be imported there.
IO_MODULES = {"subprocess", "socket", "urllib", "http", "requests", "mlflow", "dvc", "shutil", "tempfile", "fsspec"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def is_package(name: str) -> bool:
    return (ROOT.joinpath(*name.split(".")) / "__init__.py").exists() if name else True


def imports_of(name: str) -> tuple[set[str], set[str]]:
    """(package-internal modules, external top-level modules) imported anywhere in ``name``."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    here = name.split(".") if name else []
    if not is_package(name):
        here = here[:-1]
    internal: set[str] = set()
    external: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == NAME:
                    internal.add(alias.name[len(NAME) + 1 :])
                else:
                    external.add(alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if (node.module or "").split(".")[0] == NAME:
                    base = (node.module or "")[len(NAME) + 1 :]
                else:
                    external.add((node.module or "").split(".")[0])
                    continue
            else:
                up = here[: len(here) - (node.level - 1)]
                base = ".".join([*up, *(node.module.split(".") if node.module else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                internal.add(candidate if candidate in MODULES else base)
    internal.discard(name)
    return {m for m in internal if m in MODULES}, external


def layer(name: str) -> int:
    top = name.split(".", maxsplit=1)[0] if name else "__init__"
    return 0 if top in FOUNDATION else LAYERS[top]


def test_every_module_sits_in_a_layer() -> None:
    strays = [m for m in MODULES if m and m.split(".", maxsplit=1)[0] not in FOUNDATION | set(LAYERS)]
    assert not strays, f"modules outside core/adapters/jobs/cli: {strays}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_downwards(name: str) -> None:
    internal, _ = imports_of(name)
    if name in ("", "__main__"):
        return  # the package root and `python -m` start the CLI
    upward = sorted(m for m in internal if layer(m) > layer(name))
    assert not upward, f"{name or NAME} (layer {layer(name)}) imports upward: {upward}"


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("core")))
def test_core_does_no_io(name: str) -> None:
    _, external = imports_of(name)
    assert not external & IO_MODULES, f"{name} imports I/O modules {sorted(external & IO_MODULES)}"


def test_no_import_cycles() -> None:
    graph = {m: imports_of(m)[0] for m in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                raise AssertionError("import cycle: " + " -> ".join(c or NAME for c in cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_the_checker_sees_lazy_and_relative_imports() -> None:
    """Guard the guard: the cli imports jobs lazily and relatively, and the checker must see it."""
    internal, _ = imports_of("cli.pipeline")
    assert "jobs.ingest" in internal
    assert "adapters.files" in internal
