"""Setting aside the finished HTML blocks of generated pages changes nothing in the built HTML.

The MkDocs hook hands Markdown only the headings and text of a generated page and puts the
finished HTML blocks back afterwards (`generators.outputs.html_blocks`), because Python-Markdown only
passes them through, slowly. These tests convert pages both ways with the site's own Markdown
configuration and compare the HTML, the table of contents and the anchors MkDocs would see.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
from mkdocs.config import load_config

from generators.build.assemble import render_outputs
from generators.outputs.html_blocks import html_block_anchors, protect_html_blocks, restore_html_blocks
from generators.load.validate import load_library

from .conftest import DATA, ROOT, AS_OF

HOSTILE = ROOT / "tests" / "data" / "hostile"


def _site_markdown() -> markdown.Markdown:
    config = load_config(str(ROOT / "mkdocs.yml"))
    return markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"])


def _body(source: str) -> str:
    """The Markdown of a page without its front matter (MkDocs strips it before converting)."""
    if source.startswith("---\n"):
        return source[source.index("\n---\n", 4) + 5 :]
    return source


def _convert(text: str) -> tuple[str, list[dict[str, object]]]:
    engine = _site_markdown()
    return engine.convert(text), engine.toc_tokens  # type: ignore[attr-defined]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for name, value in attrs if value is not None and (name == "id" or (name == "name" and tag == "a")))


def _ids(html: str) -> set[str]:
    parser = _Ids()
    parser.feed(html)
    parser.close()
    return parser.ids


def _generated_pages(data: Path) -> dict[str, str]:
    outputs = render_outputs(load_library(data), AS_OF)
    return {path: content if isinstance(content, str) else content.decode() for path, content in outputs.items() if path.endswith(".md")}


@pytest.mark.parametrize("data", [DATA, HOSTILE], ids=["policy_data", "hostile"])
def test_every_generated_page_converts_to_the_same_html_toc_and_anchors(data: Path) -> None:
    pages = _generated_pages(data)
    assert len(pages) == 6  # home, policy list, upcoming changes, downloads, a policy page and its history
    set_aside = 0
    for path, source in sorted(pages.items()):
        body = _body(source)
        stub, blocks = protect_html_blocks(body)
        set_aside += len(blocks)
        expected_html, expected_toc = _convert(body)
        stub_html, stub_toc = _convert(stub)
        assert restore_html_blocks(stub_html, blocks) == expected_html, path
        assert stub_toc == expected_toc, path
        # MkDocs' anchor check reads the ids of the Markdown it converts; the hook adds the blocks'.
        assert _ids(stub) | html_block_anchors(blocks) == _ids(body), path
    assert set_aside > len(pages), "the generated pages' HTML blocks should be set aside"


def test_the_stub_is_a_small_part_of_a_policy_page() -> None:
    source = _body(_generated_pages(DATA)["policies/6.01.03/index.md"])
    stub, _ = protect_html_blocks(source)
    assert len(stub) * 4 < len(source)
    assert "## Policy statements { #policy-statements }" in stub


@pytest.mark.parametrize(
    "text",
    [
        '<div markdown="1">\n*emphasis* made by Markdown\n</div>\n',
        "<div>closed</div> with text after it\n",
        "A paragraph\n<div>right after it</div>\n",
        "<div>\nnever closed\n",
        "<span>inline, not a block</span>\n",
    ],
    ids=["markdown-attribute", "text-after-close", "no-blank-before", "unclosed", "inline-tag"],
)
def test_blocks_markdown_would_not_pass_through_verbatim_stay_in_the_markdown(text: str) -> None:
    stub, blocks = protect_html_blocks(text)
    assert (stub, blocks) == (text, [])


def test_consecutive_blocks_are_one_run_and_come_back_in_place() -> None:
    text = '# Title\n\n<div id="a">\n<p>one</p>\n</div>\n<p id="b">two</p>\n\nafter *this*\n'
    stub, blocks = protect_html_blocks(text)
    assert blocks == ['<div id="a">\n<p>one</p>\n</div>\n<p id="b">two</p>']
    assert _ids(stub) == set()
    assert html_block_anchors(blocks) == {"a", "b"}
    assert restore_html_blocks(_convert(stub)[0], blocks) == _convert(text)[0]


def test_a_lost_placeholder_is_an_error_not_a_silently_missing_section() -> None:
    _, blocks = protect_html_blocks("<div>one</div>\n\n<div>two</div>\n")
    with pytest.raises(ValueError, match="2 HTML blocks set aside, 1 placeholders found"):
        restore_html_blocks('<div data-pkb-html-block="0"></div>', blocks)


def test_the_anchors_of_set_aside_blocks_are_those_mkdocs_would_collect() -> None:
    block = '<div id="a&amp;b">\n<a id="both" name="top"></a><a data-name="not-an-anchor"></a><span id="c">x</span><p name="no">y</p>\n</div>'
    _, blocks = protect_html_blocks(f"# Title\n\n{block}\n")
    assert blocks == [block]
    assert html_block_anchors(blocks) == _ids(block) == {"a&b", "both", "top", "c"}


def _site_with_a_link(tmp_path: Path, target: str) -> Path:
    """A copy of the site's configuration and hand-written pages, plus a page linking to `target`."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    (tmp_path / "content" / "anchor-link.md").write_text(f"# Link\n\n[a statement]({target})\n", encoding="utf-8")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for relative in ("generators/adapters/mkdocs_hook.py", "overrides", "policy_data", "generators"):
        config = config.replace(f" {relative}\n", f" {ROOT / relative}\n")
    config = config.replace("paths: [.]", f"paths: [{ROOT}]")
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    return tmp_path / "mkdocs.yml"


@pytest.mark.parametrize("exists", [True, False], ids=["anchor-in-a-block", "no-such-anchor"])
def test_mkdocs_checks_links_to_the_anchors_of_set_aside_blocks(exists: bool, tmp_path: Path) -> None:
    """The anchors of set-aside blocks reach MkDocs' anchor check: a link to one builds, a link to none fails."""
    page = "policies/6.01.03/index.md"
    _, blocks = protect_html_blocks(_body(_generated_pages(DATA)[page]))
    anchor = sorted(html_block_anchors(blocks))[0] if exists else "no-such-anchor"
    config = _site_with_a_link(tmp_path, f"{page}#{anchor}")
    env = {**os.environ, "POLICYKB_DATA": str(DATA), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("POLICYKB_PRERENDERED", None)
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(tmp_path / "site")]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert (done.returncode == 0) == exists, done.stderr
    if not exists:
        assert f"does not contain an anchor '#{anchor}'" in done.stderr


def test_mkdocs_holds_only_the_stub_of_a_generated_page_until_it_writes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """MkDocs converts every page before it writes one: a generated page's content stays the small stub until then.

    The hook keeps the blocks (compressed) and puts them into the finished page, which is
    the page the theme would have made from the whole HTML.
    """
    from types import SimpleNamespace

    from generators.adapters import mkdocs_hook

    path = "policies/6.01.03/index.md"
    body = _body(_generated_pages(DATA)[path])
    expected_html, _ = _convert(body)
    page = SimpleNamespace(file=SimpleNamespace(src_uri=path), present_anchor_ids=set())
    monkeypatch.setattr(mkdocs_hook, "_generated_pages", {path})
    stub = mkdocs_hook.on_page_markdown(body, page)  # type: ignore[arg-type]
    content = mkdocs_hook.on_page_content(_convert(stub)[0], page)  # type: ignore[arg-type]
    assert len(content) * 4 < len(expected_html)
    assert page.present_anchor_ids == html_block_anchors(protect_html_blocks(body)[1])
    finished = mkdocs_hook.on_post_page(f"<main>{content}</main>", page)  # type: ignore[arg-type]
    assert finished == f"<main>{expected_html}</main>"
    assert mkdocs_hook.on_post_page("<main>another page</main>", page) == "<main>another page</main>"  # type: ignore[arg-type]
