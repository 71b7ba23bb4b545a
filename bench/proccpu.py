"""CPU seconds of processes and of PostgreSQL backends, from Linux /proc (shared by the benches)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import psycopg


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system, all threads) a live process has used; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's worker processes are children of its supervisor)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


class BackendMeter:
    """CPU seconds the PostgreSQL backends serving some databases used while the meter ran.

    Backends come and go (pooled connections close), so a thread samples them twice a second and keeps the last
    reading of each: a backend that exited is counted up to its last sample.
    """

    def __init__(self, admin_url: str, databases: list[str]) -> None:
        self.conn = psycopg.connect(admin_url, autocommit=True)
        self.databases = databases
        self.start = self._read()
        self.last: dict[int, float] = dict(self.start)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _read(self) -> dict[int, float]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s) AND pid <> pg_backend_pid()",
            (self.databases,),
        ).fetchall()
        return {int(pid): cpu_of(int(pid)) for (pid,) in rows}

    def _sample(self) -> None:
        while not self.stop.wait(0.5):
            self._merge()

    def _merge(self) -> None:
        with self.lock:
            for pid, cpu in self._read().items():
                self.last[pid] = max(cpu, self.last.get(pid, 0.0))

    def used(self) -> float:
        self.stop.set()
        self.thread.join()
        self._merge()
        self.conn.close()
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())
