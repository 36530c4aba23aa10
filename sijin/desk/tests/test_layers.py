"""The apps are layered (DESIGN.md, "Shape of the code"): each app may import the apps below it, never one
above it, not even inside a function. The root package's modules (urls, settings, cli, demo, testing,
conftest) sit on top and may import anything; of the apps only desk, the top one, may import them (its
``demo`` command loads sijin/demo.py). An app's tests and migrations are not checked.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import sijin

LAYERS = [
    "core",
    "directory",
    "accounts",
    "campaigns",
    "fieldwork",
    "problems",
    "tallies",
    "reports",
    "open311",
    "desk",
]
ROOT = Path(sijin.__file__).parent
SKIPPED = {"tests", "migrations"}


def rank(module: str) -> int | None:
    """The layer of a module of ours: an app's index, a root module the top; None for anything else."""
    parts = module.split(".")
    if parts[0] != "sijin" or len(parts) < 2:
        return None
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else len(LAYERS) - 1


def imported(path: Path, package: str) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in a file, at module level or inside a function, relative ones resolved
    against ``package``; ``import_module("…")`` with a literal name counts too."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                parts = package.split(".")
                module = ".".join([*parts[: len(parts) - node.level + 1], *([module] if module else [])])
            if module == "sijin":  # from sijin import demo
                for alias in node.names:
                    yield node.lineno, f"sijin.{alias.name}"
            else:
                yield node.lineno, module
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def upward_imports(root: Path) -> list[str]:
    """``path:line imports module`` for every import of a module above the importing app."""
    found = []
    for app in LAYERS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root.parent)
            if SKIPPED & set(relative.parts):
                continue
            package = ".".join(relative.with_suffix("").parts[:-1])
            for line, module in sorted(imported(path, package)):
                above = rank(module)
                if above is not None and above > LAYERS.index(app):
                    found.append(f"{relative}:{line} imports {module}")
    return found


def test_no_app_imports_an_app_above_it():
    assert upward_imports(ROOT) == []


def test_every_app_has_its_place_in_the_layers():
    assert {path.parent.name for path in ROOT.glob("*/apps.py")} == set(LAYERS)


def test_it_finds_an_upward_import_wherever_it_is_written(tmp_path):
    (tmp_path / "sijin" / "core" / "tests").mkdir(parents=True)
    (tmp_path / "sijin" / "campaigns").mkdir()
    (tmp_path / "sijin" / "core" / "views.py").write_text(
        "from sijin.accounts import access\n"
        "from ..problems.models import Problem\n"
        "from sijin import demo\n"
        "\n"
        "def page():\n"
        "    from sijin.desk import views\n"
        "    import_module('sijin.reports.ledgers')\n"
    )
    (tmp_path / "sijin" / "core" / "tests" / "test_views.py").write_text("from sijin.desk import views\n")
    (tmp_path / "sijin" / "campaigns" / "models.py").write_text(
        "from sijin.core.models import Notification\nfrom . import services\nimport django.db\n"
    )
    assert upward_imports(tmp_path / "sijin") == [
        "sijin/core/views.py:1 imports sijin.accounts",
        "sijin/core/views.py:2 imports sijin.problems.models",
        "sijin/core/views.py:3 imports sijin.demo",
        "sijin/core/views.py:6 imports sijin.desk",
        "sijin/core/views.py:7 imports sijin.reports.ledgers",
    ]
