"""Regex alternations of many literal words, compiled as a trie: the same matches, far fewer backtracks."""

import re
from collections.abc import Iterable
from typing import Any


def trie_source(words: Iterable[str]) -> str:
    """Regex source matching, at each position, the longest of words (like a longest-first alternation).

    Python's re tries every branch of a flat alternation at every position; a trie branches on the first
    character instead, which is ~20x faster for hundreds of words.
    """
    root: dict[str, Any] = {}
    for w in words:
        if not w:
            continue
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A word may end here or continue into a longer one: the greedy "?" tries the longer first.
        return f"(?:{body})?" if "" in node else body

    return emit(root)
