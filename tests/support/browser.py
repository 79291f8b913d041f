"""Headless Chromium from Debian's `chromium` package, driven by Playwright (which downloads
no browser of its own here), and a local HTTP server for the pages it opens."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

from http_server import serving
from playwright.sync_api import sync_playwright

from core.paths import output_dir

SCREENSHOTS = output_dir() / "screenshots"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """The folder over HTTP on a free loopback port; yields its base URL."""
    with serving(functools.partial(_QuietHandler, directory=str(folder))) as url:
        yield url


@contextmanager
def chromium_page(width: int = 1400, height: int = 900) -> Iterator[tuple[Any, list[str]]]:
    """A page in headless Chromium, and the list of every URL it requested that is not on
    127.0.0.1 (those requests are refused, as they would fail offline)."""
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is not installed: run `make browser`"
    outside: list[str] = []

    def only_loopback(route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as playwright:
        # --no-sandbox: Chromium's sandbox refuses to run as root, which CI is.
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route("**/*", only_loopback)
            yield page, outside
        finally:
            browser.close()


def screenshot(page: Any, name: str, *, height: int | None = None) -> Path:
    """The whole page, or its top `height` pixels."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if height is None:
        page.screenshot(path=str(path), full_page=True)
    else:
        width = page.viewport_size["width"]
        clip = {"x": 0, "y": 0, "width": width, "height": height}
        page.screenshot(path=str(path), full_page=True, clip=clip)
    return path
