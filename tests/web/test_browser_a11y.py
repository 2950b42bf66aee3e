"""Basic accessibility of the main screens in real Chromium: every control has a name,
the keyboard alone can log in and act, the traffic-light badges keep enough contrast."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from web_harness import DEMO_PASSWORD, ApiUser, DemoFacts, LiveServer

pytestmark = pytest.mark.browser

# Controls without an accessible name (label, aria-label/labelledby, title or own text).
UNNAMED = """() => [...document.querySelectorAll('input, select, textarea, button, a[href]')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => {
    const aria = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (aria || el.title) return false;
    if (el.labels && el.labels.length) return false;
    return !(el.textContent || '').trim() && !el.querySelector('img[alt]');
  })
  .map(el => el.outerHTML.slice(0, 120))"""

# WCAG contrast ratio of each badge's text on its background.
CONTRAST = """() => {
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/\\d+/g).slice(0, 3).map(Number).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  return [...document.querySelectorAll('.badge')].map(el => {
    const s = getComputedStyle(el);
    const [a, b] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
    return [el.className, (a + 0.05) / (b + 0.05)];
  });
}"""


def test_controls_are_named_keyboard_works_and_badges_contrast(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, facts = demo_server
    # One case waiting for intake, so the list has rows, badges and buttons.
    intake_api = ApiUser(server.url, "intake")
    case = intake_api.post(
        "/api/v1/cases",
        {
            "source": "hotline",
            "lon": facts.inspector_lon,
            "lat": facts.inspector_lat,
            "description": "无障碍",
        },
    )
    intake_api.close()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{server.url}/login")
    # Keyboard only: the username field has focus; Tab to the password; Enter submits.
    expect(page.get_by_label("用户名")).to_be_focused()
    page.keyboard.type("intake")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/work/intake")
    row = page.locator(f'tr[data-case="{case["number"]}"]')
    row.wait_for()
    assert page.evaluate(UNNAMED) == []
    for cls, ratio in page.evaluate(CONTRAST):
        assert ratio >= 4.5, f"{cls}: contrast {ratio:.2f}"
    # The skip link is the first stop and moves focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Open the case from the keyboard, open an action dialog, Escape closes it.
    link = row.get_by_role("link", name=case["number"])
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/cases/{case['id']}")
    page.get_by_role("button", name="受理").wait_for()
    assert page.evaluate(UNNAMED) == []
    page.get_by_role("button", name="受理").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    screenshot(page, "a11y-case-page")

    # English everywhere once switched; the choice sticks across pages.
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Accept").wait_for()
    page.get_by_role("link", name="Intake").click()
    page.get_by_role("heading", name="Intake queue").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "a11y-intake-english")
    page.close()
