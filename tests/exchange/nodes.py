"""Run a 12345 node and a 110 node as separate processes on loopback (the two-node test and bench/exchange.py)."""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent
PARTS = ("api", "worker", "relay")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Node:
    """One deployment: its own database, API (uvicorn), worker and relay processes."""

    name: str
    role: str
    db_url: str
    workdir: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    token: str = ""
    transport: str = "http"
    local: threading.local = field(default_factory=threading.local, repr=False)
    clients: list[httpx.Client] = field(default_factory=list, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def configure(self, peer: Node, key: str, extra: dict[str, str] | None = None) -> None:
        peers = [{"node_id": peer.name, "role": peer.role, "url": peer.url, "hmac_key": key}]
        self.env = {
            **os.environ,
            "LIANDONG_ENVIRONMENT": "test",
            "LIANDONG_SECRET_KEY": "two-node-test-secret-key-0123456789abcdef",
            "LIANDONG_DATABASE_URL": self.db_url,
            "LIANDONG_NODE_ROLE": self.role,
            "LIANDONG_NODE_ID": self.name,
            "LIANDONG_PEERS": json.dumps(peers),
            "LIANDONG_LOG_LEVEL": "WARNING",
            **(extra or {}),
        }

    def setup(self) -> None:
        """Migrate the database and issue an administrator token."""
        subprocess.run(
            [str(BIN / "liandong"), "db", "upgrade"], env=self.env, check=True, capture_output=True
        )
        code = (
            "from liandong.config import get_settings;from liandong.database import create_db_engine, "
            "make_session_factory;from liandong.security import service;from liandong.security.schemas import "
            "TokenCreate;f=make_session_factory(create_db_engine(get_settings().database_url));s=f();"
            "_,raw=service.create_api_token(session=s,data=TokenCreate(name='node test',role='admin'));"
            "s.commit();print(raw)"
        )
        out = subprocess.run([sys.executable, "-c", code], env=self.env, check=True, capture_output=True)
        self.token = out.stdout.decode().strip().splitlines()[-1]

    def start(self, part: str) -> None:
        cmd = {
            "api": [str(BIN / "liandong"), "serve", "--port", str(self.port)],
            "worker": [str(BIN / "liandong"), "worker"],
            "relay": [str(BIN / "liandong"), "exchange", "relay"],
        }[part]
        with (self.workdir / f"{self.name}-{part}.log").open("ab") as log:
            self.procs[part] = subprocess.Popen(
                cmd, env=self.env, stdout=log, stderr=log, start_new_session=True
            )

    def start_all(self) -> None:
        for part in PARTS:
            self.start(part)

    def kill(self, part: str) -> None:
        proc = self.procs.get(part)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop(self) -> None:
        for part in PARTS:
            self.kill(part)
        while self.clients:
            self.clients.pop().close()

    def client(self) -> httpx.Client:
        """A keep-alive client of the calling thread (creating one per call costs the driver ~10 ms of CPU)."""
        current = getattr(self.local, "client", None)
        if current is None or current.is_closed:
            self.local.client = httpx.Client(
                base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=15
            )
            self.clients.append(self.local.client)
        client: httpx.Client = self.local.client
        return client

    def wait_ready(self, timeout: float = 180) -> None:
        """Generous by default: on a loaded 2-core machine an API process takes tens of seconds to start."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs.get("api") is not None and self.procs["api"].poll() is not None:
                raise RuntimeError(f"{self.name} API exited with {self.procs['api'].returncode}: see its log")
            try:
                if httpx.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} did not start within {timeout:.0f} s")


def pair(
    workdir: Path,
    db_12345: str,
    db_110: str,
    extra: dict[str, str] | None = None,
    ready_timeout: float = 180,
) -> tuple[Node, Node]:
    """A 12345 node and a 110 node that know each other, set up and started."""
    key = secrets.token_hex(32)
    a = Node("node-12345", "12345", db_12345, workdir)
    b = Node("node-110", "110", db_110, workdir)
    a.configure(b, key, extra)
    b.configure(a, key, extra)
    threads = [threading.Thread(target=node.setup) for node in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for node in (a, b):
        if not node.token:
            raise RuntimeError(f"{node.name} setup failed")
        node.start_all()
    for node in (a, b):
        node.wait_ready(ready_timeout)
    return a, b


def chaos_loop(
    nodes: tuple[Node, ...], stop: threading.Event, seed: int, kills: list[str] | None = None
) -> None:
    """Every 1-3 s, SIGKILL a random process (API, worker or relay) of a random node and start it again."""
    rng = random.Random(seed)
    while not stop.wait(rng.uniform(1.0, 3.0)):
        node, part = rng.choice(nodes), rng.choice(PARTS)
        node.kill(part)
        if kills is not None:
            kills.append(f"{node.role}.{part}")
        time.sleep(rng.uniform(0.05, 0.5))
        node.start(part)
        if part == "api":
            node.wait_ready(timeout=120)  # a kill while it still starts would test nothing new


def restart_all(nodes: tuple[Node, ...]) -> None:
    """Start whatever the last kill left down, and wait until every node answers."""
    for node in nodes:
        for part in PARTS:
            if node.procs[part].poll() is not None:
                node.start(part)
        node.wait_ready()


def call(node: Node, method: str, path: str, *, json_body: Any = None, timeout: float = 90) -> httpx.Response:
    """An API call that waits out a killed or overloaded API process (5xx, connection errors), with backoff."""
    deadline = time.monotonic() + timeout
    pause = 0.05
    while time.monotonic() < deadline:
        try:
            response = node.client().request(method, path, json=json_body)
            if response.status_code < 500:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(pause)
        pause = min(pause * 2, 2.0)
    raise TimeoutError(f"{node.name} {method} {path} kept failing")


def transfer(node: Node, to_platform: str, i: int) -> str:
    """Create a request and transfer it; survives API kills without creating the transfer twice."""
    received_by = "110" if node.role == "110" else "12345"
    req = call(node, "POST", "/api/v1/requests",
               json_body={"channel": "phone", "content": f"两节点测试诉求 {i}", "received_by": received_by})  # fmt: skip
    req.raise_for_status()
    return transfer_request(node, to_platform, int(req.json()["id"]), i)


def transfer_request(node: Node, to_platform: str, request_id: int, i: int, timeout: float = 180) -> str:
    """Transfer a registered request; retried on 5xx and connection errors, never creating it twice."""
    body = {
        "request_id": request_id,
        "to_platform": to_platform,
        "reason": f"转办测试 {i}",
        "emergency": False,
    }
    deadline = time.monotonic() + timeout
    pause = 0.05
    tried = False
    while time.monotonic() < deadline:
        if tried:  # the previous attempt may have committed before its answer was lost
            existing = call(node, "GET", f"/api/v1/linkage/transfers?request_id={request_id}").json()
            if existing:
                return str(existing[0]["transfer_uid"])
        tried = True
        try:
            response = node.client().post("/api/v1/linkage/transfers", json=body)
            if response.status_code == 201:
                return str(response.json()["transfer_uid"])
            if response.status_code < 500 and response.status_code not in (409, 429):
                raise RuntimeError(f"transfer refused: HTTP {response.status_code} {response.text[:300]}")
        except httpx.HTTPError:
            pass
        time.sleep(pause)
        pause = min(pause * 2, 2.0)
    raise TimeoutError("transfer kept failing")
