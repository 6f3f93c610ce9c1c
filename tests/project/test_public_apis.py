"""Our code uses its dependencies' public APIs only: a private name of Django, httpx,
httpcore, django-q2 or another dependency is an upgrade waiting to break (issue 39).
What it finds: imports from a dependency's private module (``httpx._transports``) or of
a private name, Django's internal query compiler, and ``._name`` read off anything but
our own objects (a name our code defines) or Django's documented model API."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from typing import Any

from tests.support.processes import ROOT

PACKAGES = ("webhooks", "http_api", "testimonials", "runtime", "settings")
DEPENDENCIES = {
    "django",
    "django_q",
    "httpx",
    "httpcore",
    "rest_framework",
    "drf_spectacular",
    "drf_standardized_errors",
    "django_filters",
    "tenacity",
    "prometheus_client",
    "cryptography",
}
# Django documents these on every model and instance (Model._meta API, "Managers",
# Model._state).
DOCUMENTED = {"_meta", "_state", "_default_manager", "_base_manager"}
# Modules that are internal though their names are not: Django's SQL compiler.
INTERNAL_MODULES = ("django.db.models.sql",)
# What issue 39 has still to replace, each with where it is.
KNOWN = {
    # The OpenAPI document's problem responses: drf-standardized-errors adds its error
    # responses to drf-spectacular's through these methods, and neither offers a public
    # hook for them. The document is built in every test run and compared with
    # docs/openapi.yaml, so an upgrade that breaks them fails a test, not a deployment.
    ("http_api/openapi.py", "super()._get_response_bodies"),
    ("http_api/openapi.py", "super()._get_response_for_code"),
    ("http_api/openapi.py", "AutoSchema._get_response_bodies"),
    ("http_api/openapi.py", "AutoSchema._get_response_for_code"),
    ("http_api/openapi.py", "AutoSchema: self._get_response_for_code"),
    ("http_api/openapi.py", "AutoSchema._get_error_response_serializer"),
    ("http_api/openapi.py", "AutoSchema._get_error_response_examples"),
}


def sources() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def names_we_define(trees: list[ast.Module]) -> set[str]:
    """Every underscored name our code defines: functions, classes, attributes it
    assigns (``self._x = …``, ``request._key = …``), module globals."""
    found: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                found.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found.add(node.id)
    return {name for name in found if _private(name)}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def uses(path: str, tree: ast.Module, ours: set[str]) -> Iterator[tuple[str, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] not in DEPENDENCIES:
                continue
            if any(_private(part) for part in parts) or node.module.startswith(INTERNAL_MODULES):
                yield path, node.module
            for alias in node.names:
                if _private(alias.name):
                    yield path, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in DEPENDENCIES and any(_private(part) for part in parts):
                    yield path, alias.name
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                continue
            from_super = isinstance(base, ast.Call) and ast.unparse(base.func) == "super"
            if node.attr in DOCUMENTED or (node.attr in ours and not from_super):
                continue
            yield path, ast.unparse(node)


def _imported(tree: ast.Module) -> dict[str, str]:
    """Name in the module -> the dotted path it was imported as."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                names[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _resolve(dotted: str) -> Any:
    module, _, rest = dotted.partition(".")
    found: Any = importlib.import_module(module)
    for part in rest.split(".") if rest else []:
        try:
            found = getattr(found, part)
        except AttributeError:
            found = importlib.import_module(f"{found.__name__}.{part}")
    return found


def privates_of(base: Any) -> frozenset[str]:
    """The private names a dependency's class and its ancestors define: methods, and
    what their code sets on ``self``."""
    found: set[str] = set()
    for klass in inspect.getmro(base):
        if klass.__module__.split(".")[0] not in DEPENDENCIES:
            continue
        found.update(name for name in vars(klass) if _private(name))
        for member in vars(klass).values():
            if not inspect.isfunction(member):
                continue
            try:
                source = inspect.getsource(member)
            except (OSError, TypeError):  # pragma: no cover - compiled, no source
                continue
            found.update(re.findall(r"self\.(_[a-z]\w*)\s*=", source))
    return frozenset(found)


def inherited_uses(path: str, tree: ast.Module) -> Iterator[tuple[str, str]]:
    """In our subclasses of a dependency's class: overriding, reading or replacing a
    private name of theirs (``self._pool = …`` in a transport, a ``_reject`` method)."""
    imported = _imported(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        inherited: set[str] = set()
        for base in node.bases:
            if isinstance(base, ast.Subscript):  # ModelAdmin[Endpoint]
                base = base.value
            dotted = ast.unparse(base)
            head, _, tail = dotted.partition(".")
            if head not in imported or imported[head].split(".")[0] not in DEPENDENCIES:
                continue
            resolved = _resolve(imported[head] + (f".{tail}" if tail else ""))
            if inspect.isclass(resolved):
                inherited |= privates_of(resolved) - DOCUMENTED
        for inner in ast.walk(node):
            if isinstance(inner, ast.FunctionDef) and inner.name in inherited:
                yield path, f"{node.name}.{inner.name}"
            elif (
                isinstance(inner, ast.Attribute)
                and isinstance(inner.value, ast.Name)
                and inner.value.id == "self"
                and inner.attr in inherited
            ):
                yield path, f"{node.name}: self.{inner.attr}"


def test_no_private_name_of_a_dependency_is_used() -> None:
    trees = list(sources())
    ours = names_we_define([tree for _, tree in trees])
    found = {use for path, tree in trees for use in uses(path, tree, ours)}
    found |= {use for path, tree in trees for use in inherited_uses(path, tree)}

    assert found - KNOWN == set()
    assert KNOWN - found == set(), "gone: take it off KNOWN"


def test_the_check_finds_what_it_is_for() -> None:
    code = (
        "from httpx._transports.default import HTTPTransport\n"
        "from django.db.models.sql.compiler import SQLCompiler\n"
        "from django_q.cluster import _private_helper\n"
        "transport._pool = None\n"
        "self._ours = 1\n"
        "model._meta.get_field('id')\n"
    )
    found = {use for _, use in uses("x.py", ast.parse(code), {"_ours"})}

    assert found == {
        "httpx._transports.default",
        "django.db.models.sql.compiler",
        "django_q.cluster._private_helper",
        "transport._pool",
    }


def test_the_check_finds_private_names_a_subclass_takes_over() -> None:
    code = (
        "import httpx\n"
        "class Transport(httpx.HTTPTransport):\n"
        "    def __init__(self):\n"
        "        self._pool = None\n"
        "        self._mine = 1\n"
    )
    found = {use for _, use in inherited_uses("x.py", ast.parse(code))}

    assert found == {"Transport: self._pool"}
