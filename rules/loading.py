"""Loading policies: read ``rules/policies/<id>.yaml`` and apply ``extends``.

The result is plain data (dicts and lists, each rule stamped with the document that defines it);
:mod:`rules.compiling` turns it into closures and :class:`rules.policy.Policy` evaluates with them.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

__all__ = ["PolicyError", "available_policies", "resolve"]

STAMPED = ("same_item", "claim_deadline", "claims", "course_filing")
STAMPED_LISTS = ("sector_rules",)  # lists without ids: a child adds its own to its parent's
LISTS = ("caps", "daily_caps")  # lists of rules with an id: a child replaces its parent's by id
OWN = ("region", "in_force")  # facts of one document, never inherited


# libyaml's safe loader parses a policy ten times faster than the pure-Python one (3 ms instead of 25 ms): what
# lets tests/rules load every policy afresh in each test (make mutate needs that) at little cost.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PolicyError(ValueError):
    """A policy file is malformed."""


def _policy_dir() -> Any:
    return resources.files("rules").joinpath("policies")


def available_policies() -> list[str]:
    """The ids of the policies shipped with the package, sorted."""
    names = [p.name for p in _policy_dir().iterdir() if p.name.endswith(".yaml")]
    return sorted(n[: -len(".yaml")] for n in names)


def _read_raw(policy_id: str) -> dict[str, Any]:
    if policy_id not in available_policies():
        raise KeyError(f"unknown policy {policy_id!r}; available: {', '.join(available_policies())}")
    text = _policy_dir().joinpath(f"{policy_id}.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_SafeLoader)  # a safe loader (libyaml's when built with it)
    if not isinstance(data, dict) or data.get("id") != policy_id:
        raise PolicyError(f"policy file {policy_id}.yaml must be a mapping with id: {policy_id}")
    return data


def _stamp(items: Any, document: str) -> Any:
    """Record on each rule which document defines it (so inherited rules cite their source)."""
    if isinstance(items, dict):
        out = dict(items)
        out.setdefault("_document", document)
        return out
    return items


def resolve(policy_id: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The policy's data with ``extends`` applied (child overrides parent)."""
    if policy_id in seen:
        raise PolicyError(f"circular extends: {' -> '.join(seen + (policy_id,))}")
    raw = _read_raw(policy_id)
    if "daily_cap" in raw:
        raise PolicyError(f"{policy_id}: daily_cap is now daily_caps (a list of budgets with an id)")
    doc = str(raw.get("document", policy_id))
    own_convs = {k: _stamp(v, doc) for k, v in (raw.get("conversions") or {}).items()}  # None (removed) stays None
    own_lists = {key: [_stamp(c, doc) for c in (raw.get(key) or [])] for key in LISTS}
    own_reqs = [_stamp(r, doc) for r in raw["requirements"]] if "requirements" in raw else None
    own_cons = {k: _stamp(v, doc) for k, v in (raw.get("consequences") or {}).items()}  # not_stated, a list, stays
    own_courses = {k: _stamp(v, doc) for k, v in (raw.get("platform_courses") or {}).items()}
    parent_id = raw.get("extends")
    if parent_id is None:
        data = dict(raw)
        data["conversions"] = {k: v for k, v in own_convs.items() if v is not None}
        data.update(own_lists)
        data["requirements"] = own_reqs or []
        data["consequences"] = own_cons
        data["platform_courses"] = own_courses
        for key in STAMPED:
            data[key] = _stamp(raw.get(key), doc)
        for key in STAMPED_LISTS:
            data[key] = [_stamp(item, doc) for item in raw.get(key) or []]
        data["lineage"] = [policy_id]
        return data
    parent = resolve(str(parent_id), seen + (policy_id,))
    data = {k: v for k, v in parent.items() if k not in OWN}
    for key, value in raw.items():  # conversions, requirements, consequences, courses and LISTS: merged below
        if key in STAMPED_LISTS:
            data[key] = [*parent[key], *(_stamp(item, doc) for item in value or [])]
        else:
            data[key] = _stamp(value, doc) if key in STAMPED else value
    convs = dict(parent["conversions"])
    for kind, spec in own_convs.items():
        if spec is None:
            convs.pop(kind, None)
        else:
            convs[kind] = spec
    data["conversions"] = convs
    for key in LISTS:
        merged = {c["id"]: c for c in parent[key]}
        for item in own_lists[key]:
            merged[item["id"]] = item
        data[key] = list(merged.values())
    if own_reqs is not None:
        data["requirements"] = own_reqs
    cons = dict(parent["consequences"])
    cons.update(own_cons)
    data["consequences"] = cons
    data["platform_courses"] = {**parent["platform_courses"], **own_courses}  # by category
    data["lineage"] = parent["lineage"] + [policy_id]
    return data
