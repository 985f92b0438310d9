"""The layout rules of issue 13 (README, "How it is built"), checked on the source itself:
a newcomer finds a file by its noun, and nothing on a lower floor reaches up.

- no Python file under brokerage/ or bench/ is longer than 600 lines;
- no view function is longer than 30 lines (load, check, call a service, commit,
  render or redirect);
- no import circles between brokerage's modules (TYPE_CHECKING imports aside);
- the ground floor (brokerage/*.py) imports no feature package;
- no feature package imports another feature's forms, search or view modules, and
  ticketing imports nothing from listings;
- only view modules touch flask's request, session or flash;
- no import inside a function, except the app factory's blueprints.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "brokerage"
MAX_FILE_LINES = 600
MAX_VIEW_LINES = 30
# The app factory registers blueprints and the CLI's commands inside functions: that
# is how Flask apps keep import time free of side effects.
FUNCTION_IMPORTS_ALLOWED = {"brokerage/__init__.py"}
# Modules that sit above the features and may import them all.
# The app's wiring sits above the features: the factory, the CLI, the models' index,
# permissions.py (the one place every role's rights are written, so it knows each
# domain's models) with the two modules that hand it to templates and responses, and
# the navigation (what each person can reach, with their count of new notices).
TOP_FLOOR = {
    "brokerage/__init__.py",
    "brokerage/cli.py",
    "brokerage/models.py",
    "brokerage/navigation.py",
    "brokerage/permissions.py",
    "brokerage/security.py",
    "brokerage/templating.py",
}
VIEW_MODULE_NAMES = {"views.py", "manage_views.py"}


def _is_view_module(path: Path) -> bool:
    """views.py, manage_views.py, and a big feature's other view modules (funding's
    award_views.py, panel_views.py ...)."""
    return path.name in VIEW_MODULE_NAMES or path.name.endswith("_views.py")


PRIVATE_TO_A_FEATURE = {"forms", "manage_forms", "search", "views", "manage_views"}


def _python_files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _type_checking_blocks(tree: ast.Module) -> set[int]:
    """Line numbers inside `if TYPE_CHECKING:` blocks."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, child.end_lineno + 1))
    return lines


def _imports(path: Path, *, top_level_only: bool) -> list[tuple[str, ast.AST]]:
    """The brokerage modules `path` imports (not under TYPE_CHECKING)."""
    tree = _tree(path)
    skipped = _type_checking_blocks(tree)
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("brokerage"):
                for alias in node.names:
                    # `from brokerage.demo import names` imports the module names,
                    # not the package: count the package only for its own names.
                    name = f"{node.module}.{alias.name}"
                    found.append((name if name in MODULES else node.module, node))
        elif isinstance(node, ast.Import):
            found.extend((a.name, node) for a in node.names if a.name.startswith("brokerage"))
    return found


MODULES = {_module_name(p): p for p in _python_files(PACKAGE)}


def _resolved(name: str) -> str | None:
    """The brokerage module an import names (a name imported from a module counts as
    the module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _feature(module: str) -> str | None:
    parts = module.split(".")
    path = MODULES[module]
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return None if _relative(path) not in TOP_FLOOR else "top"


@pytest.mark.parametrize("path", _python_files(PACKAGE, ROOT / "bench"), ids=lambda p: _relative(p))
def test_no_file_is_longer_than_a_reader_can_hold(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_FILE_LINES, f"{_relative(path)} has {lines} lines"


def test_every_view_function_is_short():
    long_views = []
    for path in _python_files(PACKAGE):
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.FunctionDef):
                continue
            routed = any(
                isinstance(d, ast.Call)
                and isinstance(d.func, ast.Attribute)
                and d.func.attr in {"route", "get", "post"}
                for d in node.decorator_list
            )
            length = node.end_lineno - node.lineno + 1
            if routed and length > MAX_VIEW_LINES:
                long_views.append(f"{_relative(path)}: {node.name} ({length} lines)")
    assert not long_views, "\n".join(sorted(set(long_views)))


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        targets = {_resolved(name) for name, _ in _imports(path, top_level_only=True)}
        graph[module] = {t for t in targets if t and t != module and t != "brokerage"}
    return graph


def test_there_are_no_import_circles():
    graph = _graph()
    circles = set()

    def visit(module, trail):
        for target in graph.get(module, ()):
            if target in trail:
                circle = trail[trail.index(target) :]
                start = circle.index(min(circle))
                circles.add(" -> ".join(circle[start:] + circle[:start]))
            elif len(trail) < 12:
                visit(target, [*trail, target])

    for module in graph:
        visit(module, [module])
    assert not circles, "\n".join(sorted(set(circles)))


def test_the_ground_floor_imports_no_feature():
    reaching_up = []
    for module, path in MODULES.items():
        if _feature(module) is not None:
            continue
        for name, node in _imports(path, top_level_only=False):
            target = _resolved(name)
            if target and _feature(target) not in (None,):
                reaching_up.append(f"{_relative(path)}:{node.lineno} imports {target}")
    assert not reaching_up, "\n".join(sorted(set(reaching_up)))


def test_features_share_only_their_services_and_models():
    crossing = []
    for module, path in MODULES.items():
        feature = _feature(module)
        if feature in (None, "top"):
            continue
        for name, node in _imports(path, top_level_only=False):
            target = _resolved(name)
            other = _feature(target) if target else None
            if other in (None, "top", feature):
                continue
            last = target.rsplit(".", 1)[-1]
            if last in PRIVATE_TO_A_FEATURE or (feature == "ticketing" and other == "listings"):
                crossing.append(f"{_relative(path)}:{node.lineno} imports {target}")
    assert not crossing, "\n".join(sorted(set(crossing)))


def test_only_views_touch_the_request():
    touching = []
    for path in _python_files(PACKAGE):
        if _is_view_module(path) or _relative(path) in FUNCTION_IMPORTS_ALLOWED:
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                names = {a.name for a in node.names} & {"request", "session", "flash"}
                if names and not _may_read_the_request(path):
                    touching.append(f"{_relative(path)} imports {', '.join(sorted(names))}")
    assert not touching, "\n".join(sorted(set(touching)))


# Plumbing that exists to read the request for everyone else: who is signed in, the
# error pages, the shared form base (NUL in URLs), the session store, sign-in
# redirects, the security headers, links, the static files' caching, the shared
# public pages (page_cache: whether a request carries a cookie, and what it wrote) and
# the navigation (which page is open, for the menu drawn once and kept).
REQUEST_PLUMBING = {
    "brokerage/navigation.py",
    "brokerage/accounts/signing_in.py",
    "brokerage/errors.py",
    "brokerage/permissions.py",
    "brokerage/static_files.py",
    "brokerage/forms.py",
    "brokerage/security.py",
    "brokerage/accounts/sessions.py",
    "brokerage/links.py",
    "brokerage/page_cache.py",
}


def _may_read_the_request(path: Path) -> bool:
    return _relative(path) in REQUEST_PLUMBING


def test_no_import_hides_inside_a_function():
    hidden = []
    for path in _python_files(PACKAGE):
        if _relative(path) in FUNCTION_IMPORTS_ALLOWED:
            continue
        tree = _tree(path)
        skipped = _type_checking_blocks(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)) and (
                        inner.lineno not in skipped
                    ):
                        hidden.append(f"{_relative(path)}:{inner.lineno}")
    assert not hidden, "\n".join(sorted(set(hidden)))
