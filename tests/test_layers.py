"""Layers point one way: a module imports only from its own floor or the floors below it, and
no import of the project hides inside a function (where it would quietly dodge a cycle).

Read from the source with ``ast``, module-level and function-local imports alike, so the check
needs no import of the code it judges.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Floors from the ground up. A module's floor is that of the longest name below that it starts
# with; it may import modules on its own floor or lower, never higher.
FLOORS: list[tuple[str, ...]] = [
    # Small helpers that import nothing of the project: every floor may use them (outbound:
    # checked and pinned requests to addresses admins type; sealing: secrets at rest;
    # ratelimit: shared counters that survive the cache going away; sql: statements' parts
    # compiled once per process; ids: the URL converter for row ids; kept_urls: addresses
    # reversed once per process).
    (
        "config.ids",
        "config.mail",
        "config.csv_export",
        "config.outbound",
        "config.sealing",
        "config.ratelimit",
        "config.sql",
        "config.kept_urls",
    ),
    # The audit trail itself (AuditEvent, record, verify): everything writes to it, people and
    # institutions included, so it sits on the ground.
    ("audit",),
    # Single sign-on decides how people sign in, so it stands beside accounts.
    ("accounts", "sso"),
    # The pages that browse the trail ask accounts who may see them.
    ("audit.views", "audit.forms", "audit.urls"),
    ("guidelines",),
    ("approvals",),
    ("publishing",),
    # Search and "Check my post" read what is published and drafted; nothing below reads them.
    ("search", "postcheck"),
    # The API, webhooks and chat read what publishing and review produce.
    ("integrations",),
    ("bench",),
    # The wiring on top: settings, URLs, the home page's list of panels.
    ("config",),
]

# Where an import inside a function is the rule rather than a dodge. AppConfig.ready() in an
# app's apps.py is Django's moment to connect signal receivers and register checks (when
# apps.py is imported the models are not loaded yet).
# Command-line scripts point Django at a database chosen from their arguments, so they can
# import models only after django.setup() has run inside main().
SCRIPTS = {
    "bench.run",
    "bench.load",
    "bench.profile",
    "bench.faults",
    "bench.harness",
    "bench.staff_import",
    "bench.directory",
    "bench.search",
    "bench.reminders",
    "bench.cluster",
    "bench.export_copy",
    "bench.audit_chain",
}


def floor_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (length of the matching name, floor)
    for number, names in enumerate(FLOORS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (
                best is None or len(name) > best[0]
            ):
                best = (len(name), number)
    return None if best is None else best[1]


def project_packages() -> set[str]:
    return {p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name not in {"tests"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


@dataclass(frozen=True)
class Import:
    target: str
    line: int
    function: str | None  # the enclosing function, when the import hides inside one


def imports_of(module: str, source: str, *, is_package: bool = False) -> list[Import]:
    """Every import of a module's source, resolved to dotted names, with its enclosing function."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Import):
                found.extend(Import(a.name, child.lineno, function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = ".".join(package[: len(package) - child.level + 1])
                    base = f"{base}.{child.module}" if child.module else base
                else:
                    base = child.module or ""
                for alias in child.names:
                    whole = f"{base}.{alias.name}"
                    target = whole if is_module(whole) else base
                    found.append(Import(target, child.lineno, function))
            visit(child, function)

    visit(ast.parse(source), None)
    return found


def violations(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """What breaks the rules in one module: imports from a floor above, hidden imports."""
    packages = project_packages()
    own = floor_of(module)
    problems = []
    for imp in imports_of(module, source, is_package=is_package):
        if imp.target.split(".")[0] not in packages:
            continue  # Django, the standard library, other packages
        floor = floor_of(imp.target)
        where = f"{module}:{imp.line}"
        if own is not None and floor is not None and floor > own:
            problems.append(f"{where} imports {imp.target}, which sits on a floor above it")
        app_ready = module.endswith(".apps") and imp.function == "ready"
        if imp.function is not None and not app_ready and module not in SCRIPTS:
            problems.append(f"{where} hides an import of {imp.target} inside {imp.function}()")
    return problems


def app_files() -> list[Path]:
    files = []
    for package in sorted(project_packages()):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                files.append(path)
    return files


def test_every_app_has_a_floor():
    assert {p for p in project_packages() if floor_of(p) is None} == set()


def test_no_app_imports_upward_or_hides_an_import():
    problems = [
        problem
        for path in app_files()
        for problem in violations(
            module_name(path), path.read_text(), is_package=path.name == "__init__.py"
        )
    ]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "guidelines.services",
            "from publishing.services import quiz_problems\n",
            ["guidelines.services:1 imports publishing.services, which sits on a floor above it"],
        ),
        (
            "approvals.notify",
            "def stage_started(pk):\n    from .workflow import stage_holders\n",
            ["approvals.notify:2 hides an import of approvals.workflow inside stage_started()"],
        ),
        (
            "accounts.services",
            "from audit.views import events\n",
            ["accounts.services:1 imports audit.views, which sits on a floor above it"],
        ),
        ("publishing.views", "from guidelines.models import Version\nimport json\n", []),
        ("accounts.services", "from audit.services import record\n", []),
        ("publishing.apps", "def ready(self):\n    from . import signals\n", []),
        (
            "publishing.views",
            "def ready():\n    from . import signals\n",
            ["publishing.views:2 hides an import of publishing.signals inside ready()"],
        ),
    ],
)
def test_the_check_sees_what_it_should(module, source, expected):
    assert violations(module, source) == expected
