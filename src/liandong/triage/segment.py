"""jieba segmentation, used only when training (deriving the stopwords the labelled data dropped)."""

import logging
from functools import lru_cache

import jieba


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def words(text: str) -> list[str]:
    """jieba words of text (default dictionary, HMM on as in the labelled data's preparation)."""
    return [w for w in _tokenizer().lcut(text) if w.strip()]
