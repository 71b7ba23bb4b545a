"""Edits of the item list: each returns a new, validated RuleSet (the store keeps it with an audit trail)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from liandong.triage.ruledoc import Rule, RuleSetError
from liandong.triage.ruleset import RuleSet


def add_keywords(rules: RuleSet, *, rule_id: str, keywords: Sequence[str]) -> RuleSet:
    """Return a new RuleSet with keywords appended to one rule (an edit the lead stores with audit)."""
    data = rules.to_data()
    for item in data.get("rules", []):
        if item["id"] == rule_id:
            item["keywords"] = list(dict.fromkeys([*item.get("keywords", []), *keywords]))
            return RuleSet.from_data(data, source=f"edit of {rule_id}")
    raise RuleSetError(f"no rule with id {rule_id!r}")


def remove_keywords(rules: RuleSet, *, rule_id: str, keywords: Sequence[str]) -> RuleSet:
    """Return a new RuleSet without the given keywords in one rule."""
    data = rules.to_data()
    for item in data.get("rules", []):
        if item["id"] == rule_id:
            item["keywords"] = [k for k in item.get("keywords", []) if k not in set(keywords)]
            return RuleSet.from_data(data, source=f"edit of {rule_id}")
    raise RuleSetError(f"no rule with id {rule_id!r}")


def upsert_rule(rules: RuleSet, *, rule: dict[str, Any] | Rule) -> RuleSet:
    """Return a new RuleSet with a rule added, or replaced when its id exists."""
    item = rule.model_dump(mode="json", exclude_defaults=True) if isinstance(rule, Rule) else dict(rule)
    data = rules.to_data()
    items = [r for r in data.get("rules", []) if r["id"] != item.get("id")]
    replaced = len(items) != len(data.get("rules", []))
    if replaced:
        pos = next(i for i, r in enumerate(data["rules"]) if r["id"] == item.get("id"))
        items.insert(pos, item)
    else:
        items.append(item)
    data["rules"] = items
    return RuleSet.from_data(data, source=f"edit of {item.get('id', '?')}")


def delete_rule(rules: RuleSet, *, rule_id: str) -> RuleSet:
    """Return a new RuleSet without one rule."""
    data = rules.to_data()
    items = [r for r in data.get("rules", []) if r["id"] != rule_id]
    if len(items) == len(data.get("rules", [])):
        raise RuleSetError(f"no rule with id {rule_id!r}")
    data["rules"] = items
    return RuleSet.from_data(data, source=f"delete of {rule_id}")


def set_version(rules: RuleSet, *, version: str) -> RuleSet:
    """Return a new RuleSet with another version label."""
    data = rules.to_data()
    data["version"] = version
    return RuleSet.from_data(data, source="version edit")
