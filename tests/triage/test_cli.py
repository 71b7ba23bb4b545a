"""The batch CLI contract: classify, eval and train, with bad input refused and nothing partial written."""

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liandong.triage.cli import app

runner = CliRunner()
CONTRACT = {"platform", "emergency", "category", "request_type", "confidence", "uncertain", "reasons"}
PLATFORMS = {"12345", "110", "119", "120", "122", "utility", "out_of_scope"}


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_classify_writes_one_object_per_row_in_order(tmp_path: Path) -> None:
    texts = ["我家着火了", "", "请问社保卡怎么补办？", "有人拿刀砍人", '多行\n文本，含逗号,和"引号"']
    src = write_csv(tmp_path / "in.csv", ["id", "text"], [[str(i), t] for i, t in enumerate(texts)])
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["classify", "--input", str(src), "--text-column", "text", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(texts)
    objs = [json.loads(line) for line in lines]
    for obj in objs:
        assert obj.keys() >= CONTRACT
        assert obj["platform"] in PLATFORMS
        assert isinstance(obj["emergency"], bool)
    assert objs[0]["platform"] == "119" and objs[0]["emergency"] is True
    assert objs[1]["uncertain"] is True and objs[1]["category"] is None
    assert objs[2]["platform"] == "12345"
    assert objs[3]["platform"] == "110"


def test_missing_column_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", ["body"], [["我家着火了"]])
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", "--input", str(src), "--output", str(out)])
    assert result.exit_code == 2
    assert "no column text" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00bad", b""])
def test_unreadable_input_exits_2(tmp_path: Path, content: bytes | None) -> None:
    src = tmp_path / "in.csv"
    if content is not None:
        src.write_bytes(content)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["classify", "--input", str(src), "--output", str(out)])
    assert result.exit_code == 2
    assert "error:" in result.output
    assert not out.exists()


def test_existing_output_is_kept_when_input_fails(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", "--input", str(tmp_path / "none.csv"), "--output", str(out)])
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "previous\n"


def test_unwritable_output_exits_2(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", ["text"], [["我家着火了"]])
    result = runner.invoke(
        app, ["classify", "--input", str(src), "--output", str(tmp_path / "no" / "out.jsonl")]
    )
    assert result.exit_code == 2


def test_eval_platform_labels(tmp_path: Path) -> None:
    rows = [
        ["我家着火了", "119"],
        ["请问社保怎么转移", "12345"],
        ["有人拿刀砍人", "110"],
        ["公交车太挤", "12345"],
    ]
    src = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    result = runner.invoke(app, ["eval", "--data", str(src), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["target"] == "platform"
    assert figures["n"] == 4
    assert figures["accuracy"] == 1.0
    assert len(figures["confusion"]) == len(figures["labels"])


def test_eval_category_labels_prints_table(tmp_path: Path) -> None:
    rows = [
        ["孩子上学难，学位不够", "教育文体"],
        ["医院挂号排队太久", "卫生计生"],
        ["工资被拖欠", "劳动和社会保障"],
    ]
    src = write_csv(tmp_path / "d.csv", ["text", "label"], rows)
    result = runner.invoke(app, ["eval", "--data", str(src)])
    assert result.exit_code == 0, result.output
    assert "evaluating category" in result.output
    assert "macro-F1" in result.output and "confusion" in result.output


def test_eval_missing_label_column_exits_2(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "d.csv", ["text"], [["x"]])
    result = runner.invoke(app, ["eval", "--data", str(src)])
    assert result.exit_code == 2


def test_train_then_classify_with_the_new_model(tmp_path: Path) -> None:
    rows = [[f"学校{i} 老师 学生 入学 学位", "教育"] for i in range(6)]
    rows += [[f"医院{i} 医生 挂号 看病 药", "卫生"] for i in range(6)]
    rows += [["", "卫生"], ["无标签", ""]]  # skipped rows
    src = write_csv(tmp_path / "h.csv", ["text", "label"], rows)
    model = tmp_path / "m.joblib"
    result = runner.invoke(app, ["train", "--data", str(src), "--output", str(model)])
    assert result.exit_code == 0, result.output
    assert "trained on 12 rows" in result.output
    data = write_csv(tmp_path / "c.csv", ["text"], [["我想问学校入学的事"], ["去医院看病挂号难"]])
    out = tmp_path / "o.jsonl"
    result = runner.invoke(
        app, ["classify", "--input", str(data), "--output", str(out), "--model", str(model)]
    )
    assert result.exit_code == 0, result.output
    cats = [json.loads(line)["category"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert cats == ["教育", "卫生"]


def test_train_with_one_class_exits_2(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "h.csv", ["text", "label"], [["a 学校", "教育"], ["b 学校", "教育"]])
    result = runner.invoke(app, ["train", "--data", str(src), "--output", str(tmp_path / "m.joblib")])
    assert result.exit_code == 2
    assert "two classes" in result.output
    assert not (tmp_path / "m.joblib").exists()


def test_bad_model_file_exits_2(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "in.csv", ["text"], [["我家着火了"]])
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a model")
    result = runner.invoke(
        app, ["classify", "--input", str(src), "--output", str(tmp_path / "o.jsonl"), "--model", str(bad)]
    )
    assert result.exit_code == 2
    assert "cannot read model" in result.output
