"""The console in a real browser: each role's screen, a phone request from intake to visit, live transfer, scopes."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from tests.console.conftest import PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOMES = {"seat12345": "seat", "seat110": "seat", "unit.zjj": "unit", "supervisor": "supervisor"}


def api_get(base: str, username: str, path: str, **params: Any) -> Any:
    """GET as a demo user (to set up or check what the browser did)."""
    with httpx.Client(base_url=base, timeout=30) as client:
        client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        ).raise_for_status()
        response = client.get(path, params=params)
        response.raise_for_status()
        return response.json()


@pytest.mark.parametrize("username", list(HOMES))
def test_each_role_lands_on_its_screen(login: Any, username: str) -> None:
    page = login(username)
    assert page.url.endswith(f"/console/{HOMES[username]}")
    assert username in page.inner_text("#who")


def test_login_refuses_a_wrong_password(browser: Any, live_server: str) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/console/login")
    page.fill("#username", "seat12345")
    page.fill("#password", "wrong-password")
    page.click("form button[type=submit]")
    page.wait_for_selector("#login-error:not(:empty)")
    assert page.url.endswith("/console/login")
    page.close()


def test_a_page_without_a_session_goes_to_login(browser: Any, live_server: str) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/console/supervisor")
    page.wait_for_url("**/console/login?next=*")
    page.close()


def test_phone_request_from_intake_to_work_order_to_unit_to_visit(login: Any, live_server: str) -> None:
    seat = login("seat12345")
    seat.keyboard.press("Alt+N")
    assert seat.evaluate("document.activeElement.name") == "caller_phone"
    seat.keyboard.type("13912345678")
    seat.select_option("select[name=adcode]", "430104")
    seat.fill("input[name=location_text]", "岳麓区麓谷街道某小区")
    seat.fill("#f-content", "我家楼道的路灯坏了一个月了, 物业一直不修, 晚上很危险")
    seat.keyboard.press("Control+Enter")
    seat.wait_for_selector("#current-content")
    assert "楼道的路灯" in seat.inner_text("#current-content")
    assert "139****5678" in seat.inner_text("#center")
    number = seat.inner_text("#center h2").split()[1]

    seat.keyboard.press("Alt+W")
    seat.wait_for_selector("#wo-form")
    seat.select_option("#wo-form select[name=request_type]", "help")
    seat.fill("#wo-form input[name=category]", "城乡建设")
    seat.select_option("#wo-form select[name=handling_unit_id]", label="长沙市住房和城乡建设局")
    screenshot(seat, "seat-12345")
    seat.focus("#wo-form-submit")
    seat.keyboard.press("Enter")
    seat.wait_for_selector("#toast:not([hidden])")
    assert "GD" in seat.inner_text("#toast")

    orders = api_get(live_server, "seat12345", "/api/v1/work-orders", limit=200)["items"]
    requests = api_get(live_server, "seat12345", "/api/v1/requests", limit=200)["items"]
    request_id = next(r["id"] for r in requests if r["number"] == number)
    order = next(o for o in orders if o["request_id"] == request_id)
    assert order["status"] == "dispatched"

    unit = login("unit.zjj")
    unit.click(f"#order-list a[href='/console/orders/{order['id']}']")
    unit.wait_for_selector("#act-sign")
    for action, state in (("sign", "已签收"), ("start", "办理中"), ("complete", None)):
        unit.click(f"#act-{action}")
        if state:
            unit.click("#unit-action-submit")
            unit.wait_for_selector(f"#order-status:has-text('{state}')")
    unit.fill("#unit-action textarea[name=opinion]", "已联系物业更换楼道灯具, 现已恢复照明")
    screenshot(unit, "unit-workspace")
    unit.click("#unit-action-submit")
    unit.wait_for_selector("#order-status:text('办结')")

    seat.reload()
    seat.wait_for_selector("#visit-list")
    seat.click(f"#visit-list li:has-text('{order['number']}') button")
    seat.select_option("#visit-form select[name=satisfaction]", "5")
    seat.click("#visit-form-submit")
    seat.wait_for_selector("#toast:has-text('已回访')")
    final = api_get(live_server, "seat12345", f"/api/v1/work-orders/{order['id']}")
    assert final["status"] == "visited"
    assert final["satisfaction"] == 5


def test_a_unit_cannot_open_another_units_order(login: Any, live_server: str) -> None:
    orders = api_get(live_server, "supervisor", "/api/v1/work-orders", limit=200)["items"]
    zjj = api_get(live_server, "unit.zjj", "/api/v1/auth/me")["organisation_id"]
    other = next(o for o in orders if o["handling_unit_id"] not in (None, zjj))
    unit = login("unit.zjj")
    unit.goto(f"{live_server}/console/orders/{other['id']}")
    unit.wait_for_selector("#not-found")
    assert "不属于本单位" in unit.inner_text("#not-found")
    assert other["summary"][:10] not in unit.inner_text("main")


def test_supervisor_sees_queue_kpis_and_hotspots(login: Any) -> None:
    page = login("supervisor")
    page.wait_for_selector("#kpis")
    assert page.locator("#queue-tiles .tile").count() == 7
    assert page.locator("#hotspots rect.district").count() >= 5
    assert "岳麓区" in page.inner_text("#hotspots")
    assert page.locator("#seats li").count() >= 3
    screenshot(page, "supervisor")


def test_language_switches_without_reload(login: Any) -> None:
    page = login("supervisor")
    page.wait_for_selector("#kpis")
    page.evaluate("window.__marker = 1")
    page.click("#lang")
    page.wait_for_selector("#kpis:has-text('Answer rate')")
    assert page.evaluate("window.__marker") == 1
    page.click("#lang")
    page.wait_for_selector("#kpis:has-text('受理率')")


def test_public_page_shows_aggregates_and_no_personal_data(browser: Any, live_server: str) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{live_server}/public")
    page.wait_for_selector("#unit-results tbody tr")
    text = page.inner_text("body")
    assert "长沙市" in text
    assert not re.search(r"1\d{10}|\d{3}\*{4}\d{4}", text)
    assert "楼道" not in text and "烧烤店" not in text
    screenshot(page, "public")
    page.close()


def test_live_transfer_arrives_on_the_other_seat(login: Any, live_server: str) -> None:
    police = login("seat110")
    police.wait_for_selector("#transfers h2")
    seat = login("seat12345")
    seat.keyboard.press("Alt+N")
    # Not an emergency: an emergency is registered as a 警单 at once and needs no acceptance (先行处置).
    seat.fill("#f-content", "小区楼下每天晚上有人聚众赌博, 吵得睡不着")
    seat.select_option("select[name=adcode]", "430102")
    seat.keyboard.press("Control+Enter")
    seat.wait_for_selector("#btn-transfer")
    seat.keyboard.press("Alt+T")
    seat.wait_for_selector("#transfer-form")
    seat.click("#transfer-form-submit")
    seat.wait_for_selector("#toast:has-text('已转出')")

    police.wait_for_selector("#transfer-list li", timeout=15000)
    screenshot(police, "seat-110-transfer")
    police.click("#transfer-list li button.primary")
    police.wait_for_selector("#accept-form")
    police.click("#accept-form-submit")
    police.wait_for_selector("#toast:has-text('已接收')")


def test_no_page_loads_anything_from_outside_the_app(browser: Any, live_server: str) -> None:
    page = browser.new_page()
    outside: list[str] = []
    page.on(
        "request", lambda r: outside.append(r.url) if not r.url.startswith((live_server, "data:")) else None
    )
    for path in ("/console/login", "/public"):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("load")
    page.close()
    assert outside == []
