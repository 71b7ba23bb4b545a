"""The reduced-text features, the trie regex, the rule gate and the category model's fast paths."""

import dataclasses
import re
from collections import Counter
from pathlib import Path

import joblib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from liandong.triage import RuleSet, Triager
from liandong.triage.features import gram_key, gram_keys, ngrams, reduce_text, stop_pattern
from liandong.triage.model import CategoryModel, ModelError
from liandong.triage.train import TrainingError, fit
from liandong.triage.wordregex import trie_source

_WORDS = st.lists(st.text(alphabet="我们的有关没部门ab", min_size=1, max_size=4), max_size=12)


@given(words=_WORDS, text=st.text(alphabet="我们的有关没部门abx ", max_size=40))
def test_trie_matches_like_a_longest_first_alternation(words: list[str], text: str) -> None:
    flat = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    if not flat:
        assert trie_source(words) == ""
        return
    expected = [m.group(0) for m in re.finditer(flat, text)]
    assert [m.group(0) for m in re.finditer(trie_source(words), text)] == expected


def test_reduce_keeps_chinese_and_drops_stopwords() -> None:
    pattern = stop_pattern(["我们", "的", "没有"])
    assert reduce_text("我们小区的ABC路灯123没有亮！", pattern) == "小区路灯亮"
    assert reduce_text("", pattern) == ""
    assert reduce_text("only english 123", stop_pattern([])) == ""
    # Non-Chinese characters go first, so a stopword may span where they were (as in the segmented data).
    assert reduce_text("我们abc的路灯", stop_pattern(["们的"])) == "我路灯"


def test_the_opening_is_counted_again_as_head_features() -> None:
    grams = ngrams("路灯不亮" + "请" * 20)
    assert "^路灯" in grams and "^灯不亮" in grams and "路灯" in grams
    assert sum(g.startswith("^") for g in grams) == 12 + 11 + 10  # 1-3-grams of the first 12 characters only
    assert ngrams("") == []
    assert gram_key("^路灯") != gram_key("路灯")


@given(text=st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=30))
def test_integer_keys_are_the_string_ngrams(text: str) -> None:
    assert Counter(gram_keys(text).tolist()) == Counter(gram_key(g) for g in ngrams(text))


def _tiny_model() -> CategoryModel:
    texts = ["路灯不亮请维修", "小区路灯坏了", "路面破损积水", "学校招生咨询", "小学学位不足", "教师工资拖欠"]
    labels = ["城乡建设", "城乡建设", "城乡建设", "教育文体", "教育文体", "教育文体"]
    return fit(texts=texts, labels=labels, stopwords=["请"], max_features=500)


def test_fast_lookup_equals_the_vocabulary_lookup() -> None:
    model = _tiny_model()
    for text in ["路灯坏了请修", "学校招生", "abc", "学位学位学位路灯"]:
        slow = Counter(i for i in map(model.vocabulary.get, ngrams(model.reduce(text))) if i is not None)
        assert Counter(model._ids(text).tolist()) == slow


def test_batch_scores_equal_single_scores() -> None:
    model = _tiny_model()
    texts = ["路灯坏了", "", "学校招生咨询", "hello", "学位" * 2000]
    batch = model.scores_many(texts)
    assert np.allclose(batch, np.vstack([model.scores(t) for t in texts]), atol=1e-6)
    assert np.allclose(batch[1], 0.5) and np.allclose(batch[3], 0.5)
    assert model.scores_many([]).shape == (0, 2)
    assert model.predict("小区路灯不亮")[0] == "城乡建设"


def test_saved_model_round_trips(tmp_path: Path) -> None:
    model = _tiny_model()
    model.save(tmp_path / "m.joblib")
    again = CategoryModel.load(tmp_path / "m.joblib")
    assert again.stopwords == ("请",)
    assert np.allclose(again.scores("路灯坏了请修"), model.scores("路灯坏了请修"), atol=1e-3)


def test_old_format_and_bad_features_are_refused(tmp_path: Path) -> None:
    joblib.dump({"format": "liandong.triage.category/1"}, tmp_path / "old.joblib")
    with pytest.raises(ModelError, match="older format"):
        CategoryModel.load(tmp_path / "old.joblib")
    with pytest.raises(ModelError, match="1-3 Chinese"):
        CategoryModel(
            classes=("a", "b"),
            vocabulary={"abcd": 0},
            idf=np.ones(1, dtype=np.float32),
            coef=np.zeros((1, 2), dtype=np.float32),
            intercept=np.zeros(2, dtype=np.float32),
        )


def test_training_refuses_texts_without_chinese() -> None:
    with pytest.raises(TrainingError, match="Chinese"):
        fit(texts=["abc", "def", "ghi", "jkl"], labels=["x", "x", "y", "y"])


def test_batch_triage_decides_like_single_triage(triager: Triager) -> None:
    texts = ["小区路灯坏了一个月没人修", "有人持刀抢劫，快来人", "", "   ", "学校乱收费" * 500, "hello?"]
    batch = triager.triage_many([*texts, None, 12345])
    assert batch[: len(texts)] == [triager.triage(t) for t in texts]
    assert batch[-2].uncertain and batch[-1].category is not None


@given(text=st.text(alphabet="被偷了PoLiCe火灾起火 ", max_size=30))
def test_rule_gate_never_hides_a_hit(text: str) -> None:
    rules = RuleSet.from_data(
        {
            "version": "t",
            "rules": [
                {
                    "id": "theft",
                    "platform": "110",
                    "title": "t",
                    "reason": "r",
                    "keywords": ["被偷", "police"],
                },
                {"id": "fire", "platform": "119", "title": "t", "reason": "r", "keywords": ["起火", "火"]},
            ],
        }
    )
    ungated = dataclasses.replace(
        rules, _compiled=tuple(dataclasses.replace(c, gate=None) for c in rules._compiled)
    )
    assert rules.match(text) == ungated.match(text)
    assert rules.match("我家被偷了") and rules.match("call the POLICE")
