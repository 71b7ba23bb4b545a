"""Browser fixtures: one seeded server per session and Debian's headless Chromium (skipped only where absent)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip
PASSWORD = "liandong-demo"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}


def _require_browser() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("LIANDONG_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "LIANDONG_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing: apt-get install chromium"
            )
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a free localhost port with a fresh migrated SQLite database, the demo city and its logins."""
    _require_browser()
    tmp = tmp_path_factory.mktemp("console")
    port = _free_port()
    log = (tmp / "server.log").open("w")
    server = Path(__file__).with_name("server.py")
    proc = subprocess.Popen(
        [sys.executable, str(server), f"sqlite:///{tmp / 'console.db'}", str(port), str(tmp)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "LIANDONG_ENVIRONMENT": "test"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                pytest.fail(f"console server exited: {(tmp / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("console server did not start in 120 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def browser(live_server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def login(browser: object, live_server: str) -> Iterator[object]:
    """Factory: `login("seat12345")` -> a page signed in through the login form, on that role's home."""
    contexts: list[object] = []

    def make(username: str) -> object:
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server}/console/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url("**/console/*")
        # Not "networkidle": the seat keeps a Server-Sent Events stream open; the page says when it is ready.
        page.wait_for_selector("body[data-ready]")
        return page

    yield make
    for context in contexts:
        context.close()  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> None:
    """A 1366x768 PNG of a main screen; written to docs/screenshots for the README only when
    LIANDONG_UPDATE_SCREENSHOTS=1 (a test run leaves the tree as it found it)."""
    png = page.screenshot()  # type: ignore[attr-defined]
    assert png.startswith(b"\x89PNG") and len(png) > 10_000, f"{name}: blank or failed screenshot"
    if os.environ.get("LIANDONG_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(png)
