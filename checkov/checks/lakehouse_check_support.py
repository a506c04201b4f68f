"""Helpers shared by the custom checks: checkov hands resource attributes over wrapped in lists."""

from __future__ import annotations

from typing import Any

BROAD_PRINCIPALS = frozenset({"account users", "users", "all users", "all account users"})
"""Built-in groups that contain every user of the account or workspace."""


def first(conf: dict[str, Any], key: str, default: Any = None) -> Any:
    """The value of ``key``, unwrapped from checkov's one-element list; ``default`` when unset."""
    value = conf.get(key, default)
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def blocks(conf: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Every nested block ``key`` (zero, one or many), each a dict."""
    value = conf.get(key) or []
    if isinstance(value, dict):
        return [value]
    found: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, dict):
            found.append(item)
        elif isinstance(item, list):
            found.extend(x for x in item if isinstance(x, dict))
    return found


def as_list(value: Any) -> list[Any]:
    """A scalar or a (possibly nested) list as a flat list."""
    if value is None:
        return []
    if not isinstance(value, list):
        return [value]
    flat: list[Any] = []
    for item in value:
        flat.extend(as_list(item))
    return flat


def is_set(value: Any) -> bool:
    """Whether an attribute has a non-empty value."""
    return value not in (None, "", [], [""])
