"""Triage: which platform takes a request, whether it is an emergency, its category and handling units."""

from liandong.triage.engine import Triager, default_triager, triage
from liandong.triage.enums import Domain, Platform, RequestType
from liandong.triage.model import CategoryModel, ModelError
from liandong.triage.normalize import EmptyText, TextTooLong, normalize
from liandong.triage.ruleedit import add_keywords, delete_rule, remove_keywords, set_version, upsert_rule
from liandong.triage.ruleset import RuleSet, RuleSetError
from liandong.triage.schemas import Decision, Reason, UnitCandidate, UnitProfile
from liandong.triage.units import rank_units

__all__ = [
    "CategoryModel",
    "Decision",
    "Domain",
    "EmptyText",
    "ModelError",
    "Platform",
    "Reason",
    "RequestType",
    "RuleSet",
    "RuleSetError",
    "TextTooLong",
    "Triager",
    "UnitCandidate",
    "UnitProfile",
    "add_keywords",
    "default_triager",
    "delete_rule",
    "normalize",
    "rank_units",
    "remove_keywords",
    "set_version",
    "triage",
    "upsert_rule",
]
