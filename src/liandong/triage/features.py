"""Feature strings shared by training and prediction (they must never drift apart).

The labelled training data is jieba-segmented with stopwords removed and letters stripped, while requests
arrive as raw text. Both sides are therefore reduced the same way before featurising: keep only Chinese
characters, then delete the stopwords, and take character n-grams of what is left. No segmenter runs on the hot path.
"""

import re
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from liandong.triage.wordregex import trie_source

# Characters of the reduced text that the model looks at (its first MODEL_TEXT_CHARS of them).
MODEL_TEXT_CHARS = 1000
_NOT_CHINESE = re.compile(r"[^\u4e00-\u9fff]+")
_NOTHING = r"(?!)"


def stop_pattern(stopwords: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching the stopwords (longest first) in Chinese-only text."""
    words = {w for w in stopwords if w and not _NOT_CHINESE.search(w)}
    return re.compile(trie_source(words) if words else _NOTHING)


def reduce_text(text: str, pattern: re.Pattern[str]) -> str:
    """The text as the training data looks: Chinese characters only, then stopwords removed, capped.

    Two passes (non-Chinese first, then the stopword trie on what is left) cost 2.4x less than one
    alternation of both, because the trie then starts only at Chinese characters.
    """
    chinese = _NOT_CHINESE.sub("", text)
    if pattern.pattern == _NOTHING:
        return chinese[:MODEL_TEXT_CHARS]
    return pattern.sub("", chinese)[:MODEL_TEXT_CHARS]


# A board message or a seat's note opens with its subject (the title: "A市某小区路灯不亮"): the n-grams of the
# first HEAD_CHARS reduced characters are counted again as separate "head" features ("^" + n-gram), so the
# model can weigh the subject apart from the story told in the body.
HEAD_CHARS = 12
HEAD = "^"


def _plain(reduced: str) -> list[str]:
    out = list(reduced)
    out.extend([reduced[i : i + 2] for i in range(len(reduced) - 1)])
    out.extend([reduced[i : i + 3] for i in range(len(reduced) - 2)])
    return out


def ngrams(reduced: str) -> list[str]:
    """Character 1-, 2- and 3-grams of a reduced text, then those of its head marked with HEAD."""
    return _plain(reduced) + [HEAD + g for g in _plain(reduced[:HEAD_CHARS])]


def is_feature(name: str) -> bool:
    """True for a name ngrams() can produce: 1-3 Chinese characters, optionally after HEAD."""
    body = name[1:] if name.startswith(HEAD) else name
    return 1 <= len(body) <= 3 and not _NOT_CHINESE.search(body)


# Integer keys of n-grams: each character of a reduced text is one of 20,992 code points (U+4E00..U+9FFF),
# stored as 1..20992 in 15 bits, so 1-, 2- and 3-grams get disjoint integer ranges and numpy can look them up;
# bit 46 (above the 45 bits of a 3-gram) marks a head n-gram.
_BASE = 0x4E00 - 1
_BITS = 15
_HEAD_BIT = 1 << (3 * _BITS + 1)


def gram_key(gram: str) -> int:
    """The integer key of one feature name (see is_feature)."""
    flag = _HEAD_BIT if gram.startswith(HEAD) else 0
    key = 0
    for ch in gram[1:] if flag else gram:
        key = (key << _BITS) | (ord(ch) - _BASE)
    return key | flag


def _keys(a: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    bi = (a[:-1] << _BITS) | a[1:]
    tri = (a[:-2] << (2 * _BITS)) | (a[1:-1] << _BITS) | a[2:]
    return np.concatenate([a, bi, tri])


def gram_keys(reduced: str) -> npt.NDArray[np.int64]:
    """Keys of all of ngrams(reduced), in the same multiset, computed with numpy."""
    a = np.frombuffer(reduced.encode("utf-32-le"), dtype=np.uint32).astype(np.int64) - _BASE
    return np.concatenate([_keys(a), _keys(a[:HEAD_CHARS]) | _HEAD_BIT])
