"""Drive the real web UI in headless Chromium (Debian ``chromium`` + Playwright for Python, no
browser download): judge ``DROP TABLE users`` and see ``block``; play a replay and see the
scoreboard change. Screenshots go to the test's temporary folder (and ``SENTINEL_SCREENSHOTS``
if set). Time budget: about 40 s (server start, Gradio page load)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests.servers import running_server

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed (make test installs it when run as root)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")


def test_live_and_replay_tabs_in_a_real_browser(tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with running_server(tmp_path / "data") as (base, _), sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(30_000)
        page.goto(f"{base}/ui/")
        page.locator("#live-description textarea").fill("DROP TABLE users")
        page.locator("#live-judge").click()
        card = page.locator('#verdict-card[data-decision="block"]')
        card.wait_for()
        assert "BLOCK" in page.locator("#verdict-decision").inner_text().upper()
        page.screenshot(path=str(shots / "live_block.png"), full_page=True)

        page.get_by_role("tab", name="Replay").click()
        page.locator("#replay-start").click()
        page.locator('#scoreboard[data-turn="0"]').wait_for()
        before = page.locator("#scoreboard").inner_text()
        page.locator("#replay-step").click()
        page.locator('#scoreboard[data-turn="1"]').wait_for()
        page.locator("#replay-step").click()
        page.locator('#scoreboard[data-turn="2"]').wait_for()
        after = page.locator("#scoreboard").inner_text()
        assert before != after and "Turn 2" in after
        page.screenshot(path=str(shots / "replay.png"), full_page=True)
        browser.close()
    assert (shots / "live_block.png").stat().st_size > 10_000 and (shots / "replay.png").stat().st_size > 10_000
    target = os.environ.get("SENTINEL_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for shot in shots.iterdir():
            shutil.copy(shot, Path(target) / shot.name)
