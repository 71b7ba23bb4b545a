"""Text normalisation before triage: Traditional->Simplified, full-width->half-width, whitespace."""

import re
import unicodedata
from functools import lru_cache

import opencc

# Scanning rules over 50,000 characters is cheap, but the model only needs the opening of a request.
MODEL_MAX_CHARS = 2000
MAX_CHARS = 200_000

_SPACE = re.compile(r"\s+")
_MEANINGFUL = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")


class EmptyText(ValueError):
    """The request text has no letters, digits or Chinese characters."""


class TextTooLong(ValueError):
    """The request text exceeds the hard limit of characters."""


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _halfwidth(text: str) -> str:
    # NFKC folds full-width letters, digits and punctuation (ＡＢＣ１２３，) to their ASCII forms.
    return unicodedata.normalize("NFKC", text)


def normalize(text: str) -> str:
    """Return text in Simplified Chinese, half-width, with runs of whitespace collapsed to one space."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise TextTooLong(f"text has {len(text)} characters; the limit is {MAX_CHARS}")
    text = text.replace("\x00", " ")
    text = _halfwidth(text)
    text = _converter().convert(text)
    return _SPACE.sub(" ", text).strip()


def is_meaningful(text: str) -> bool:
    """True when text holds at least one letter, digit or Chinese character."""
    return bool(_MEANINGFUL.search(text))
