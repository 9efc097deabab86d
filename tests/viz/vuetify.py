"""Driving Vuetify selects the way a user does, robust to the server re-rendering them.

A Solara page is rendered by the server: a tab opened for the first time (`lazy=True`) or a state
change can replace a select's DOM node while a click is on its way, and the menu of the replaced node
never opens. A user clicks again; so do these helpers — until the menu is open (not a longer wait for
a menu that will not come) — and they wait for the choice to show in the field, not a fixed time.
The select is the one a user sees: the Run tab stays in the page while another tab is shown, so a
label can also be on a hidden select.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

MENU = ".menuable__content__active"
ATTEMPTS = 4
MENU_TIMEOUT_MS = 8_000


def open_menu(page: Page, label: str) -> Locator:
    """Open the select labelled `label`; its open menu."""
    menu = page.locator(MENU)
    for _ in range(ATTEMPTS):
        field = page.get_by_label(label, exact=True).filter(visible=True).first.locator("xpath=..")
        field.click()
        try:
            menu.wait_for(timeout=MENU_TIMEOUT_MS)
            return menu
        except PlaywrightTimeout:
            continue            # the field was re-rendered under the click: click the live one again
    raise AssertionError(f"the menu of {label!r} did not open after {ATTEMPTS} clicks")


def close_menu(page: Page) -> None:
    page.keyboard.press("Escape")
    page.locator(MENU).wait_for(state="hidden", timeout=30_000)


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` of the select labelled `label`; returns once the field shows it."""
    open_menu(page, label).get_by_role("option", name=option, exact=True).click()
    page.locator(MENU).wait_for(state="hidden", timeout=30_000)
    field = page.get_by_label(label, exact=True).filter(visible=True).first.locator("xpath=..")
    field.locator(".v-select__selection", has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")).wait_for(
        timeout=30_000)


def options(page: Page, label: str) -> list[str]:
    """The options the select labelled `label` offers (its menu is closed again)."""
    menu = open_menu(page, label)
    names = [t.strip() for t in menu.get_by_role("option").all_inner_texts()]
    close_menu(page)
    return names
