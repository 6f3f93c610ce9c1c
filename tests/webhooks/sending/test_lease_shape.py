"""The locking rule of ``Lease`` held by the code's shape, not by a comment: its state is
private, every public method touches it only inside ``with self._lock``, and nothing
outside the class reaches into it. Read from the source, so a new method that forgets
the lock fails here before it races anywhere."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import webhooks
from webhooks.sending import lease as lease_module

# Set once in __init__ and never changed: read without the lock.
FIXED = {"_senders", "_clock", "_lock"}


def _lease_class() -> ast.ClassDef:
    tree = ast.parse(inspect.getsource(lease_module))
    (found,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Lease"]
    return found


def _on_self(node: ast.Attribute) -> bool:
    return isinstance(node.value, ast.Name) and node.value.id == "self"


def _is_lock_block(node: ast.AST) -> bool:
    return isinstance(node, ast.With) and any(
        ast.unparse(item.context_expr) == "self._lock" for item in node.items
    )


def _private_uses_outside_lock(node: ast.AST, locked: bool = False) -> list[str]:
    """``self._x`` touched outside a ``with self._lock`` block, bar the fixed ones."""
    found = []
    if _is_lock_block(node):
        locked = True
    if (
        not locked
        and isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and node.attr.startswith("_")
        and node.attr not in FIXED
    ):
        found.append(f"line {node.lineno}: self.{node.attr}")
    for child in ast.iter_child_nodes(node):
        found += _private_uses_outside_lock(child, locked)
    return found


def test_public_methods_touch_the_lease_only_under_its_lock() -> None:
    unlocked = {}
    for method in _lease_class().body:
        if not isinstance(method, ast.FunctionDef) or method.name.startswith("_"):
            continue
        is_property = any(ast.unparse(d) == "property" for d in method.decorator_list)
        uses = _private_uses_outside_lock(method)
        # A property reads one value, which the interpreter reads whole.
        if is_property and len(method.body) == 1 and isinstance(method.body[0], ast.Return):
            continue
        if uses:
            unlocked[method.name] = uses
    assert unlocked == {}, "touched without the lease's lock"


def test_the_check_finds_a_public_method_that_forgets_the_lock() -> None:
    forgetful = ast.parse(
        "def stop(self, reason):\n"
        "    self._stop(reason)\n"
        "    with self._lock:\n"
        "        self._lock.notify_all()\n"
    )
    assert _private_uses_outside_lock(forgetful) == ["line 2: self._stop"]


def test_nothing_outside_the_lease_reaches_into_it() -> None:
    """A lease's private state is its own: no other module reads or sets it."""
    private = {
        node.attr
        for node in ast.walk(_lease_class())
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    }
    root = Path(webhooks.__file__).parent
    reaching = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "lease.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            from_outside = not (isinstance(node, ast.Attribute) and _on_self(node))
            if isinstance(node, ast.Attribute) and node.attr in private and from_outside:
                reaching.append(f"{path.relative_to(root)}:{node.lineno} .{node.attr}")
    assert reaching == []
