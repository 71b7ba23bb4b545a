"""Feature strings shared by training and prediction (they must never drift apart).

The labelled training data is jieba-segmented with stopwords removed and letters stripped, while requests
arrive as raw text. Both sides are therefore reduced the same way before featurising: keep only Chinese
characters, delete the stopwords, and take character n-grams of what is left. No segmenter runs on the hot path.
"""

import re
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from liandong.triage.wordregex import trie_source

# Characters of the reduced text that the model looks at (its first MODEL_TEXT_CHARS of them).
MODEL_TEXT_CHARS = 1000
_NOT_CHINESE = r"[^\u4e00-\u9fff]+"


def stop_pattern(stopwords: Iterable[str]) -> re.Pattern[str]:
    """One pattern deleting every non-Chinese run and the stopwords (longest match first)."""
    words = {w for w in stopwords if w}
    return re.compile(_NOT_CHINESE + ("|" + trie_source(words) if words else ""))


def reduce_text(text: str, pattern: re.Pattern[str]) -> str:
    """The text as the training data looks: Chinese characters only, stopwords removed, capped."""
    return pattern.sub("", text)[:MODEL_TEXT_CHARS]


def ngrams(reduced: str) -> list[str]:
    """Character 1-, 2- and 3-grams of a reduced text."""
    out = list(reduced)
    out.extend([reduced[i : i + 2] for i in range(len(reduced) - 1)])
    out.extend([reduced[i : i + 3] for i in range(len(reduced) - 2)])
    return out


# Integer keys of n-grams: each character of a reduced text is one of 20,992 code points (U+4E00..U+9FFF),
# stored as 1..20992 in 15 bits, so 1-, 2- and 3-grams get disjoint integer ranges and numpy can look them up.
_BASE = 0x4E00 - 1
_BITS = 15


def gram_key(gram: str) -> int:
    """The integer key of one 1-3 character n-gram of a reduced text."""
    key = 0
    for ch in gram:
        key = (key << _BITS) | (ord(ch) - _BASE)
    return key


def gram_keys(reduced: str) -> npt.NDArray[np.int64]:
    """Keys of all of ngrams(reduced), in the same multiset, computed with numpy."""
    a = np.frombuffer(reduced.encode("utf-32-le"), dtype=np.uint32).astype(np.int64) - _BASE
    bi = (a[:-1] << _BITS) | a[1:]
    tri = (a[:-2] << (2 * _BITS)) | (a[1:-1] << _BITS) | a[2:]
    return np.concatenate([a, bi, tri])
