#!/usr/bin/env python3
"""Screenshots for review: policy, what-changed and code lookup pages; desktop, phone and print.

Usage: .venv/bin/python scripts/screenshots.py [--site site] [--out screenshots] [--policy 6.01.03]
    [--code C71.3]

The what-changed page shot is the policy's newest diff (the one its page links to); the code
lookup page is shot with `--code` typed in.

Serves the built site (run `policykb build` first; the script builds it when `--site` is
missing) on 127.0.0.1 and drives Debian's Chromium through Playwright.
"""

from __future__ import annotations

import argparse
import functools
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/lib/chromium/chromium"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def shoot_diff_and_lookup(browser: Browser, base: str, policy: str, code: str, out: Path) -> list[Path]:
    """The what-changed page linked from the policy page, and the code lookup page with `code` typed."""
    shots = []
    for name, (width, height) in VIEWPORTS.items():
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(f"{base}policies/{policy}/")
        diff_link = page.locator("a.pkb-link--diff")
        if diff_link.count():
            page.goto(diff_link.first.evaluate("a => a.href"))
            page.wait_for_selector(".pkb-diff-summary")
            target = out / f"diff-{policy}-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            shots.append(target)
            if name == "desktop":
                page.emulate_media(media="print")
                target = out / f"diff-{policy}-print.png"
                page.screenshot(path=str(target), full_page=True)
                shots.append(target)
                page.emulate_media(media="screen")
        page.goto(f"{base}lookup/")
        page.locator("#code-lookup-input").press_sequentially(code, delay=10)
        page.wait_for_selector("article.policykb-lookup__code")
        target = out / f"lookup-{name}.png"
        page.screenshot(path=str(target), full_page=True)
        shots.append(target)
        page.close()
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=Path("site"))
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--policy", default="6.01.03")
    parser.add_argument("--code", default="C71.3", help="the code typed into the code lookup page")
    args = parser.parse_args()
    if not (args.site / "index.html").is_file():
        subprocess.run([sys.executable, "-m", "generators.adapters.cli", "build", "--out", str(args.site)], check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(args.site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    shots = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"])
            for name, (width, height) in VIEWPORTS.items():
                for scheme in ("light", "dark"):
                    page = browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
                    page.goto(f"{base}policies/{args.policy}/")
                    page.wait_for_selector(".pkb-statement")
                    target = args.out / f"policy-{args.policy}-{name}-{scheme}.png"
                    page.screenshot(path=str(target), full_page=scheme == "light")
                    shots.append(target)
                    if scheme == "light":
                        # Close-ups a reviewer can read: the statements, and the codes with a range opened.
                        target = args.out / f"policy-{args.policy}-{name}-statements.png"
                        page.locator("ol.pkb-statements").screenshot(path=str(target))
                        shots.append(target)
                        page.locator("details.pkb-range").first.evaluate("element => element.open = true")
                        target = args.out / f"policy-{args.policy}-{name}-codes.png"
                        page.locator(".pkb-code-table--icd10cm").screenshot(path=str(target))
                        shots.append(target)
                    page.close()
            page = browser.new_page(viewport={"width": 800, "height": 1100})
            page.goto(f"{base}policies/{args.policy}/")
            page.emulate_media(media="print")
            target = args.out / f"policy-{args.policy}-print.png"
            page.screenshot(path=str(target), full_page=True)
            shots.append(target)
            shots += shoot_diff_and_lookup(browser, base, args.policy, args.code, args.out)
            page.goto(f"{base}")
            target = args.out / "home-desktop.png"
            page.emulate_media(media="screen")
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=str(target), full_page=True)
            shots.append(target)
            browser.close()
    finally:
        server.shutdown()
    for shot in shots:
        print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
