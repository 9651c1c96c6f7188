"""What search costs a visitor of a built site: bytes before a search, bytes of the first search, time to results.

Serves the built site (`policykb build`) on 127.0.0.1 and drives Debian's Chromium through
Playwright with the CPU slowed down (DevTools protocol `Emulation.setCPUThrottlingRate`, 4x
by default, as on a phone). A fresh browser context (empty cache) opens a policy page and
waits for the network to settle: every byte fetched so far is "before a search", and the
part of it from `pagefind/` should be none. Then it presses `/` and types a query key by key
into the header's search box: the bytes fetched until the results show are the first search
(Pagefind's script and WebAssembly, its metadata, the index chunks and the result fragments).
Then it types other queries: the time from the last key to the results on the screen is the
time to results once loaded (it includes the box's 80 ms debounce).

Bytes are as transferred by Python's HTTP server, which compresses nothing; a host that
gzips text would send less (the `gzip` column estimates it for text files; Pagefind's index
chunks and fragments are compressed already). Nothing is asserted: the figures are printed.

Usage: `python benchmarks/search.py --site SITE [--page policies/6.01.03/] [--cpu 4] [--query glioma ...]`
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/lib/chromium/chromium"
TEXT_TYPES = ("text/", "javascript", "json", "xml", "svg")
#: Set on the page: when the box's input last changed, and when results were last shown after it.
WATCH_RESULTS = """() => {
    const input = document.querySelector('.pkb-search .md-search__input');
    const output = document.querySelector('.pkb-search .md-search-result');
    const meta = output.querySelector('.md-search-result__meta');
    window.pkbLastKey = 0; window.pkbResultsAt = 0;
    input.addEventListener('input', () => { window.pkbLastKey = performance.now(); window.pkbResultsAt = 0; });
    new MutationObserver(() => { if (/matching polic/.test(meta.textContent)) window.pkbResultsAt = performance.now(); })
        .observe(output, {childList: true, subtree: true, characterData: true});
}"""


@dataclass
class Transfer:
    """The responses of one phase: bytes on the wire, and a gzip estimate for text files."""

    files: int = 0
    bytes: int = 0
    gzip_estimate: int = 0
    index_bytes: int = 0  # of which from the search bundle (`pagefind/`)
    urls: list[str] = field(default_factory=list)

    def add(self, url: str, body: bytes, content_type: str) -> None:
        self.files += 1
        self.bytes += len(body)
        is_text = any(kind in content_type for kind in TEXT_TYPES)
        self.gzip_estimate += len(gzip.compress(body, 6)) if is_text else len(body)
        if "/pagefind/" in url:
            self.index_bytes += len(body)
        self.urls.append(url)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """The site folder served on 127.0.0.1 (any free port); its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def type_and_wait(page: Any, query: str) -> float:
    """Type `query` into the box (cleared first); the milliseconds from the last key to the results on screen."""
    box = page.locator(".pkb-search .md-search__input")
    box.fill("")
    box.press_sequentially(query, delay=60)
    page.wait_for_function("() => window.pkbResultsAt > window.pkbLastKey && window.pkbLastKey > 0", timeout=60_000)
    return float(page.evaluate("() => window.pkbResultsAt - window.pkbLastKey"))


def measure(site: Path, page_path: str, cpu: float, queries: list[str]) -> dict[str, Any]:
    """Bytes and times of a cold visit to `page_path` and searches for `queries` (the first one is the first search)."""
    from playwright.sync_api import sync_playwright

    with serve(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        phase = {"name": "before"}
        transfers = {"before": Transfer(), "first": Transfer(), "later": Transfer()}

        def on_response(response: Any) -> None:
            try:
                body = response.body()
            except Exception:  # noqa: BLE001 - a redirect or an aborted request has no body
                return
            transfers[phase["name"]].add(response.url, body, response.headers.get("content-type", ""))

        page.on("response", on_response)
        session = context.new_cdp_session(page)
        session.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
        page.goto(url + page_path)
        page.wait_for_load_state("networkidle")
        page.evaluate(WATCH_RESULTS)
        phase["name"] = "first"
        page.keyboard.press("/")
        first_ms = type_and_wait(page, queries[0])
        page.wait_for_load_state("networkidle")
        phase["name"] = "later"
        later_ms = [type_and_wait(page, query) for query in queries[1:]]
        page.wait_for_load_state("networkidle")
        browser.close()
    return {"transfers": transfers, "first_ms": first_ms, "later_ms": later_ms}


def _kb(count: int) -> str:
    return f"{count / 1000:,.1f} KB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site", type=Path, required=True, help="a site built by `policykb build`")
    parser.add_argument("--page", default=None, help="the page visited (default: the first policy page)")
    parser.add_argument("--cpu", type=float, default=4.0, help="CPU slowdown (default 4)")
    parser.add_argument("--query", action="append", help="queries, the first one is the first search (default: glioma, then epilepsy, C71.3, spectroscopy)")
    args = parser.parse_args(argv)
    if not (args.site / "pagefind" / "pagefind.js").is_file():
        print(f"error: {args.site} has no search bundle (pagefind/); build it with policykb build", file=sys.stderr)
        return 1
    page = args.page or next(p.parent for p in sorted(args.site.glob("policies/*/index.html"))).relative_to(args.site).as_posix() + "/"
    queries = args.query or ["glioma", "epilepsy", "C71.3", "spectroscopy"]
    policies = len(list(args.site.glob("policies/*/index.html")))
    bundle = sum(p.stat().st_size for p in (args.site / "pagefind").rglob("*") if p.is_file())
    manifest = args.site / "pagefind" / "bundles.json"  # generators.outputs.search.BUNDLES_MANIFEST
    bundles = 1 + (len(json.loads(manifest.read_text(encoding="utf-8"))["merge"]) if manifest.is_file() else 0)
    result = measure(args.site, page, args.cpu, queries)
    before, first, later = (result["transfers"][name] for name in ("before", "first", "later"))
    print(f"site: {args.site} ({policies} policy pages indexed in {bundles} bundle{'s' if bundles > 1 else ''}; on disk {bundle / 1e6:.1f} MB); page {page}; CPU slowed {args.cpu:g}x")
    print(f"before a search:  {before.files} files, {_kb(before.bytes)} (gzip about {_kb(before.gzip_estimate)}), of which search index {_kb(before.index_bytes)}")
    print(f"first search {queries[0]!r}: {first.files} files, {_kb(first.bytes)} (gzip about {_kb(first.gzip_estimate)}); results {result['first_ms']:.0f} ms after the last key")
    for query, ms in zip(queries[1:], result["later_ms"], strict=True):
        print(f"then {query!r}: results {ms:.0f} ms after the last key")
    print(f"later searches fetched {later.files} files, {_kb(later.bytes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
