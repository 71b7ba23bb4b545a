"""Speech bench: CER on the known clip, real-time factor over the shared clips, model load; one JSON line.

Targets (issue 9): CER <= 0.10 on asr_example_zh.wav, real-time factor <= 0.3 on the 2-core box.
`rtf` is wall-clock; `rtf_cpu` is process CPU time / threads / audio seconds, which other jobs on a shared
machine do not inflate. Run: .venv/bin/python bench/speech.py [--model-dir DIR] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from liandong.speech.audio import read_wav
from liandong.speech.transcribe import Transcriber, cer

AUDIO_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "audio"
KNOWN = ("asr_example_zh.wav", "欢迎大家来体验达摩院推出的语音识别模型")
THREADS = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=None, help="a larger CTranslate2 whisper model")
    parser.add_argument("--cache-dir", type=Path, default=None, help="where the packaged model is joined")
    parser.add_argument("--audio-dir", type=Path, default=AUDIO_DIR)
    args = parser.parse_args()
    clips = sorted(args.audio_dir.glob("*.wav"))
    if not clips:
        print(json.dumps({"bench": "speech", "skipped": f"no clips in {args.audio_dir}"}))
        sys.exit(0)

    started = time.perf_counter()
    transcriber = Transcriber.load(model_dir=args.model_dir, cache_dir=args.cache_dir, cpu_threads=THREADS)
    load_s = time.perf_counter() - started
    transcriber.transcribe(read_wav(clips[0]).samples[:, :16_000])  # warm-up, not timed

    wall = cpu = audio_s = 0.0
    known_text = None
    for path in clips:
        audio = read_wav(path)
        w0, c0 = time.perf_counter(), time.process_time()
        transcript = transcriber.transcribe(audio)
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        audio_s += audio.duration
        if path.name == KNOWN[0]:
            known_text = transcript.text
    result = {
        "bench": "speech",
        "model": transcriber.model_name,
        "cer_known": None if known_text is None else round(cer(KNOWN[1], known_text), 4),
        "known_text": known_text,
        "rtf": round(wall / audio_s, 3),
        "rtf_cpu": round(cpu / THREADS / audio_s, 3),
        "audio_s": round(audio_s, 1),
        "clips": len(clips),
        "model_load_s": round(load_s, 2),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "targets": {"cer_known": 0.10, "rtf": 0.3},
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
