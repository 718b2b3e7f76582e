"""The shape of the code, checked over the tree (docs/CONVENTIONS.md says why).

- ``storage/`` speaks SQL: it imports no ``telegram`` and no feature logic, only the features'
  models (``bot/<feature>/model.py``) and a few leaf modules of the core.
- ``bot/<feature>/`` is Telegram-free outside its one adapter ``telegram.py``: neither
  ``telegram`` nor ``bot.telegram`` is imported anywhere else in the package.
- ``handlers/`` are adapters over services: they import no ``storage``.
- Every feature package says what it owns in its docstring.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Core modules with no rules of a feature in them, which repositories may use: domain errors,
# the language rule, the country-to-region table.
STORAGE_MAY_USE = frozenset({"bot.errors", "bot.i18n", "bot.regions", "bot.numbers"})
# Packages under bot/ that are not features: the Telegram-facing infrastructure itself.
NOT_FEATURES = frozenset({"telegram", "locales", "web/static"})


def imports(path: Path) -> Iterator[str]:
    """Yield every module a file imports, at any level (also inside functions)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def is_under(module: str, package: str) -> bool:
    """Tell whether ``module`` is ``package`` or inside it."""
    return module == package or module.startswith(package + ".")


def assert_imports_none(
    path: Path, *packages: str, unless: Callable[[str], bool] = lambda _: False
) -> None:
    """Fail, naming them, if the file imports anything inside ``packages`` (but ``unless``)."""
    wrong = [
        module
        for module in imports(path)
        if any(is_under(module, package) for package in packages) and not unless(module)
    ]
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    assert wrong == [], f"{shown} imports {wrong}"


def features() -> list[Path]:
    """Return the feature packages: every package directly under bot/ but the infrastructure."""
    return sorted(
        folder
        for folder in (ROOT / "bot").iterdir()
        if (folder / "__init__.py").exists() and folder.name not in NOT_FEATURES
    )


def sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_the_tree_has_what_the_rules_speak_of() -> None:
    names = {folder.name for folder in features()}
    assert {"announcements", "intros", "moderation", "participants", "reminders", "schedule"} <= (
        names
    )
    assert sources(ROOT / "storage") and sources(ROOT / "handlers")


@pytest.mark.parametrize("path", sources(ROOT / "storage"), ids=lambda p: p.name)
def test_storage_imports_no_telegram_and_no_feature_logic(path: Path) -> None:
    def is_logic(module: str) -> bool:
        return module not in STORAGE_MAY_USE and not module.endswith(".model")

    assert_imports_none(path, "telegram", "handlers", "bot", unless=lambda m: not is_logic(m))


@pytest.mark.parametrize(
    "path",
    [path for folder in features() for path in sources(folder) if path.name != "telegram.py"],
    ids=lambda p: str(p.relative_to(ROOT / "bot")),
)
def test_features_import_telegram_only_in_their_adapter(path: Path) -> None:
    assert_imports_none(path, "telegram", "bot.telegram", "handlers")


@pytest.mark.parametrize("path", sources(ROOT / "handlers"), ids=lambda p: p.name)
def test_handlers_import_no_storage(path: Path) -> None:
    assert_imports_none(path, "storage")


@pytest.mark.parametrize("folder", features(), ids=lambda p: p.name)
def test_every_feature_package_says_what_it_owns(folder: Path) -> None:
    docstring = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
    assert docstring and len(docstring) > 40, f"bot/{folder.name}/__init__.py needs a docstring"


def test_the_rules_catch_what_they_forbid(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import telegram\nfrom bot.reminders.service import Reminders\n"
        "def f():\n    from storage.schedule import ScheduleStore\n",
        encoding="utf-8",
    )
    assert list(imports(bad)) == ["telegram", "bot.reminders.service", "storage.schedule"]
    with pytest.raises(AssertionError, match=r"bot\.reminders\.service"):
        assert_imports_none(bad, "bot", unless=lambda module: module.endswith(".model"))
    with pytest.raises(AssertionError, match=r"storage\.schedule"):
        assert_imports_none(bad, "storage")
