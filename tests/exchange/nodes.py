"""Run a 12345 node and a 110 node as separate processes on loopback (the two-node test and bench/exchange.py)."""

from __future__ import annotations

import json
import os
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

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=15)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not start")


def pair(workdir: Path, db_12345: str, db_110: str, extra: dict[str, str] | None = None) -> tuple[Node, Node]:
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
        node.wait_ready()
    return a, b


def call(node: Node, method: str, path: str, *, json_body: Any = None, timeout: float = 90) -> httpx.Response:
    """An API call that waits out a killed API process (only for idempotent use)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with node.client() as c:
                response = c.request(method, path, json=json_body)
            if response.status_code < 500:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{node.name} {method} {path} kept failing")


def transfer(node: Node, to_platform: str, i: int) -> str:
    """Create a request and transfer it; survives API kills without creating the transfer twice."""
    received_by = "110" if node.role == "110" else "12345"
    req = call(node, "POST", "/api/v1/requests",
               json_body={"channel": "phone", "content": f"两节点测试诉求 {i}", "received_by": received_by})  # fmt: skip
    req.raise_for_status()
    request_id = req.json()["id"]
    body = {
        "request_id": request_id,
        "to_platform": to_platform,
        "reason": f"转办测试 {i}",
        "emergency": False,
    }
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        existing = call(node, "GET", f"/api/v1/linkage/transfers?request_id={request_id}").json()
        if existing:
            return str(existing[0]["transfer_uid"])
        try:
            with node.client() as c:
                response = c.post("/api/v1/linkage/transfers", json=body)
            if response.status_code == 201:
                return str(response.json()["transfer_uid"])
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError("transfer kept failing")
