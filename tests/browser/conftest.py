"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gebiedskompas

# Playwright's sync API runs an event loop in this thread; Django refuses database access from
# a thread with a running loop unless told it is safe (the tests touch the database only
# between browser calls).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("KOMPAS_CHROMIUM", "/usr/bin/chromium")
AXE = Path(gebiedskompas.__file__).parent / "web" / "static" / "vendor" / "axe" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"browser test: no Chromium at {CHROMIUM} (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


class PageErrors:
    """Console errors, CSP violations and requests to any other host than the site's own (every
    asset is served by the app itself: no CDN, no tile service) seen by a page."""

    def __init__(self, page: Any) -> None:
        self.messages: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"pageerror: {error}"))
        page.on("request", self._request)

    def _request(self, request: Any) -> None:
        from urllib.parse import urlsplit

        url = urlsplit(request.url)
        if url.scheme in ("http", "https") and url.hostname not in ("localhost", "127.0.0.1"):
            self.messages.append(f"request to another host: {request.url}")

    def _console(self, message: Any) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            self.messages.append(message.text)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.errors = PageErrors(page)
    yield page
    context.close()


@pytest.fixture
def axe_page(browser: Any) -> Iterator[Any]:
    """A page whose CSP lets Playwright inject axe-core as an inline script.

    The site's CSP forbids inline scripts, so `add_script_tag(path=…)` needs the bypass; the
    journey tests use a context without it and check that no CSP violation occurs.
    """
    context = browser.new_context(locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page with the WCAG 2.1 A and AA rules; the violations found."""
    page.add_script_tag(path=str(AXE))
    result: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary),
            }));
        }""",
        WCAG_TAGS,
    )
    return result
