"""Tokenisation and feature strings shared by training and prediction (they must never drift apart)."""

import itertools
import logging
import re
from functools import lru_cache

import jieba

_KEEP = re.compile(r"[\u4e00-\u9fff0-9]")


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def tokenize(text: str) -> list[str]:
    """jieba words holding a Chinese character or digit (as the segmented training data keeps them)."""
    # HMM off: 3x faster, and unseen-word guesses add little to a linear model over char n-grams.
    return [w for w in _tokenizer().lcut(text, HMM=False) if _KEEP.search(w)]


def analyze(tokens: list[str]) -> list[str]:
    """Feature strings: words, word bigrams and char 1-3-grams inside each padded word."""
    feats = [f"w{t}" for t in tokens]
    feats.extend(f"b{a}_{b}" for a, b in itertools.pairwise(tokens))
    for t in tokens:
        # Same set as 1-3-grams of " t " minus the bare spaces, built without a per-gram filter (hot path).
        feats.extend(f"c{ch}" for ch in t)
        padded = f" {t} "
        feats.extend(f"c{padded[i : i + 2]}" for i in range(len(padded) - 1))
        feats.extend(f"c{padded[i : i + 3]}" for i in range(len(padded) - 2))
    return feats
