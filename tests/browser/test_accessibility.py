"""WCAG 2.2 AA, checked in the browser (issue 16, point 6): axe-core finds nothing serious or critical on
the item page, the "all my items" page and the success page (the error page and the refused pages are
checked where they are made: test_owner_loop.py, test_refused_links.py); the keyboard reaches the fields
in order and then the button; the page fits a 375 px phone and 1280 px at 200% zoom without sideways
scrolling. Screenshots land in the test's folder, for people to look at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from config.policy import load_policy
from models.sweep.run import sweep_plans
from tests.browser.conftest import (
    DEPUTY,
    OWNER,
    PLAN,
    WebFace,
    assert_accessible,
    console_errors,
    first_sweep_day,
    new_context,
    watch,
)
from tests.browser.pages import RECEIVED, SEND, fill_update, form_for, submit

pytestmark = pytest.mark.slow
FIELDS = ["status", "rag", "percent", "note", "evidence", "due_change", "due_change_reason"]


def test_the_pages_pass_axe(face: WebFace, page: Page) -> None:
    link = face.item_link(OWNER, "TAP-07")
    page.goto(link)
    assert_accessible(page, "the item page")
    page.goto(face.all_link(OWNER))
    assert_accessible(page, "the all-my-items page")
    page.goto(face.all_link(DEPUTY))
    assert_accessible(page, "a deputy's all-my-items page")
    page.goto(link)
    form = form_for(page)
    fill_update(form, percent="50", note="Half done.")
    submit(page, form)
    expect(page.get_by_text(RECEIVED)).to_be_visible()
    assert_accessible(page, "the success page")
    assert page.locator("h1").count() == 1
    assert not console_errors(page), console_errors(page)


def test_the_keyboard_reaches_every_field_in_order_then_the_button(face: WebFace, page: Page) -> None:
    page.goto(face.item_link(OWNER, "TAP-07"))
    reached: list[str] = []
    unseen: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused, shown = page.evaluate(
            "() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " const name = e.tagName === 'BUTTON' ? 'button:' + e.textContent.trim() : (e.name || e.tagName);"
            " return [name, !e.matches(':focus') || s.outlineStyle !== 'none' || s.boxShadow !== 'none']; }"
        )
        # (A host that is not itself :focus has the focus inside its own parts, the date picker's button
        # say, which Chromium rings itself.)
        if not shown:
            unseen.append(focused)  # WCAG 2.4.7: where the keyboard is must be visible
        if not reached or reached[-1] != focused:
            reached.append(focused)
        if focused == "button:Send update":
            break
    assert not unseen, f"no visible focus on {unseen}"
    assert reached[-1] == "button:Send update", reached
    fields = [name for name in reached if name in FIELDS]
    assert fields == FIELDS, reached
    # The skip link comes first and leads to the main content.
    page.goto(page.url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"


@pytest.mark.parametrize(
    ("name", "width", "height"),
    [
        ("phone", 375, 812),
        ("desktop", 1280, 900),
        ("zoom-200", 640, 450),
    ],  # 1280x900 at 200% lays out as 640x450
)
def test_the_pages_fit_phone_desktop_and_zoom(
    face: WebFace, browser: Browser, tmp_path: Path, name: str, width: int, height: int
) -> None:
    # The pages as an owner meets them: reminded by the sweep, with an update already in.
    sweep_plans(face.engine, load_policy(), first_sweep_day(), plan_name=PLAN)
    context = new_context(browser, width, height)
    shots: list[Path] = []

    def shot(what: str) -> None:
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the {what} page is {scroll} px wide at {width} px: it scrolls sideways"
        shots.append(tmp_path / f"{what}-{name}.png")
        page.screenshot(path=str(shots[-1]), full_page=True)

    try:
        page = context.new_page()
        watch(page)
        link = face.item_link(OWNER, "TAP-07")
        page.goto(link)
        fill_update(form_for(page), status="in progress", percent="60", note="Thirty case files audited.")
        submit(page, form_for(page))
        shot("item-sent")
        page.goto(face.all_link(OWNER))
        shot("all")
        fill_update(form_for(page, "TAP-08"), percent="150")
        with page.expect_navigation():
            form_for(page, "TAP-08").get_by_role("button", name=SEND).click()
        shot("all-error")
        # On a page of several forms, the summary's link leads to the field of the item that was wrong.
        target = (page.locator(".error-summary a").first.get_attribute("href") or "").removeprefix("#")
        assert form_for(page, "TAP-08").locator(f"[id='{target}']").count() == 1, target
        expect(form_for(page, "TAP-08").get_by_label("Percent complete", exact=True)).to_have_value("150")
        if width == 375:
            assert_accessible(page, "the error page at 375 px")
        page.goto(face.item_link(OWNER, "TAP-07", issued=datetime.now(UTC) - timedelta(days=30)))
        shot("expired")
        assert not console_errors(page), console_errors(page)
    finally:
        context.close()
    assert all(shot.stat().st_size > 0 for shot in shots)
