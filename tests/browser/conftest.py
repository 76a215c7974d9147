"""Browser tests: Debian's chromium driven by Playwright (sync API) against pytest-django's live server.

Each test gets a fresh browser context (no cookies carried over) on one chromium started once per
session. Officers work at a desktop (1366×800); citizens come on a phone (390×844, touch).
On failure the page's screenshot is saved under ``test-artifacts/``.
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1366, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# Generous for a loaded CI machine, short enough that a missing element fails in seconds.
TIMEOUT_MS = 5_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so the page fixture knows whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser():
    """One chromium for the browser tests, stopped when they are done.

    Playwright's sync API keeps an asyncio loop in the main thread, and Django refuses database work
    in a thread with a running loop. The test code here (factories, assertions) and the live server
    never share a connection, so the guard is lifted, for these tests only.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"No chromium at {CHROMIUM}: run scripts/system-packages.sh (or set CHROMIUM=/path).")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


def _open_page(request, browser, live_server, device: dict):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **device)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    context.close()


@pytest.fixture
def page(request, browser, live_server, transactional_db):
    """A desktop page (an officer at the counter), its URLs relative to the live server."""
    yield from _open_page(request, browser, live_server, DESKTOP)


@pytest.fixture
def phone_page(request, browser, live_server, transactional_db):
    """A phone page (a citizen, often inside WeChat), its URLs relative to the live server."""
    yield from _open_page(request, browser, live_server, PHONE)


@pytest.fixture
def sign_in():
    """Sign in through the real login form (django-axes stands in the way of ``client.login``)."""

    def sign_in(page, username: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("用户名", exact=True).fill(username)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()

    return sign_in
