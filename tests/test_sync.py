"""A client can keep a copy of the published files in sync by their content hashes alone.

The client below is the algorithm `index.json`'s `sync` note and the downloads page describe:
keep each file's `content_hash`; after a build, fetch exactly the files whose hash differs.
It catches a correction made in place (a flag added to a code of a published revision, with
no new history entry), which changes no date in the data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from generators import urls
from generators.adapters.cli import main
from generators.outputs.json_api import SYNC_NOTE

from .conftest import AS_OF

INDEX = "api/v1/index.json"
CODE_INDEX = "api/v1/codes/index.json"


class SyncClient:
    """A copy of the policy files, kept by content hash: path -> (hash, bytes)."""

    def __init__(self) -> None:
        self.held: dict[str, tuple[str, bytes]] = {}

    def sync(self, site: Path) -> list[str]:
        """Bring the copy up to date with the site at `site`; the paths fetched."""
        index = json.loads((site / INDEX).read_bytes())
        wanted: dict[str, str] = {}
        for policy in index["policies"]:
            wanted[policy["links"]["json_url"]] = policy["content_hash"]
            wanted.update((revision["json_url"], revision["content_hash"]) for revision in policy["revisions"])
        codes = json.loads((site / CODE_INDEX).read_bytes())
        wanted.update((shard["url"], shard["content_hash"]) for shard in codes["shards"])
        fetched = [path for path, content_hash in sorted(wanted.items()) if self.held.get(path, ("",))[0] != content_hash]
        for path in fetched:
            self.held[path] = (wanted[path], (site / path).read_bytes())
        for path in set(self.held) - set(wanted):
            del self.held[path]
        return fetched


def _export(data: Path, out: Path, days_later: int = 0) -> Path:
    as_of = AS_OF + timedelta(days=days_later)
    assert main(["--data", str(data), "export", "--out", str(out), "--as-of", as_of.isoformat()]) == 0
    return out


def test_a_silent_correction_changes_the_policy_hash_and_the_client_fetches_it(data_copy: Path, edit: Callable[[str, str, str], Path], tmp_path: Path) -> None:
    client = SyncClient()
    site = _export(data_copy, tmp_path / "site")
    first = client.sync(site)
    assert "api/v1/policies/6.01.03.json" in first and "api/v1/codes/cpt/763.json" in first
    before = json.loads((site / INDEX).read_bytes())["policies"][0]
    assert client.sync(_export(data_copy, tmp_path / "site")) == []  # the same data: nothing to fetch
    assert client.sync(_export(data_copy, tmp_path / "site", days_later=1)) == []  # a later as-of date, the same content

    edit("6.01.03/revisions/2026-01-22.yaml", '      - code: "76390"\n', '      - code: "76390"\n        flags: [NMN]\n')
    after_site = _export(data_copy, tmp_path / "site")
    after = json.loads((after_site / INDEX).read_bytes())["policies"][0]
    assert after["last_change"] == before["last_change"]  # no date in the data says anything changed
    assert after["content_hash"] != before["content_hash"]
    fetched = client.sync(after_site)
    assert fetched == ["api/v1/codes/cpt/763.json", "api/v1/policies/6.01.03.json", "api/v1/policies/6.01.03/revisions/2026-01-22.json"]
    revision = json.loads(client.held["api/v1/policies/6.01.03/revisions/2026-01-22.json"][1])["revision"]
    assert next(entry for entry in revision["codes"]["cpt"]["entries"] if entry["code"] == "76390")["flags"] == ["NMN"]


def test_content_hashes_can_be_checked_by_a_client(tmp_path: Path) -> None:
    """The hash is of the file's bytes without `as_of`, serialised the way the index's note says."""
    import hashlib

    from .conftest import DATA

    site = _export(DATA, tmp_path / "site")
    index = json.loads((site / INDEX).read_bytes())
    assert index["sync"] == SYNC_NOTE
    for policy in index["policies"]:
        pairs = [(policy["links"]["json_url"], policy["content_hash"])] + [(r["json_url"], r["content_hash"]) for r in policy["revisions"]]
        for path, content_hash in pairs:
            document = json.loads((site / path).read_bytes())
            del document["as_of"]
            canonical = (json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
            assert content_hash == "sha256:" + hashlib.sha256(canonical).hexdigest(), path
    for shard in json.loads((site / CODE_INDEX).read_bytes())["shards"]:
        assert shard["content_hash"] == "sha256:" + hashlib.sha256((site / shard["url"]).read_bytes()).hexdigest()


def _documented_sync_script(data: Path, out: Path) -> str:
    """The Python example of the downloads page, as the site publishes it (rendered by `policykb pages`)."""
    assert main(["--data", str(data), "pages", "--out", str(out), "--as-of", AS_OF.isoformat()]) == 0
    page = (out / "downloads" / "index.md").read_text(encoding="utf-8")
    section = page[page.index("<strong>Keeping a copy in sync.</strong>") :]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)  # type: ignore[union-attr]


def test_the_downloads_pages_sync_script_catches_a_silent_correction(data_copy: Path, edit: Callable[[str, str, str], Path], tmp_path: Path) -> None:
    """The script the downloads page shows, run as written against a fresh export, fetches the corrected files only."""
    source = _documented_sync_script(data_copy, tmp_path / "pages")
    published = f'SITE = "{urls.DEFAULT_SITE_URL}"'
    assert published in source
    site = tmp_path / "site"
    client: dict[str, Any] = {}
    exec(compile(source.replace(published, f'SITE = "{site.as_uri()}/"'), "downloads/index.md", "exec"), client)  # noqa: S102 - our own docs
    _export(data_copy, site)
    first = client["sync"]()
    assert "api/v1/policies/6.01.03/revisions/2026-01-22.json" in first and "api/v1/codes/cpt/763.json" in first
    assert all(client["content_hash"](content) == digest for path, (digest, content) in client["held"].items() if "/codes/" not in path)
    _export(data_copy, site, days_later=1)
    assert client["sync"]() == []  # a later as-of date, the same content: nothing to fetch

    edit("6.01.03/revisions/2026-01-22.yaml", '      - code: "76390"\n', '      - code: "76390"\n        flags: [NMN]\n')
    _export(data_copy, site, days_later=1)
    assert sorted(client["sync"]()) == ["api/v1/codes/cpt/763.json", "api/v1/policies/6.01.03.json", "api/v1/policies/6.01.03/revisions/2026-01-22.json"]
