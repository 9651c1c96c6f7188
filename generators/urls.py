"""Stable URLs of everything the build publishes, relative to the site root.

One module decides the layout, so the site, the JSON API and the diffs link to each other
consistently. These paths are a public contract for downstream systems: change them only
with a new API version.
"""

from __future__ import annotations

import os

API_VERSION = "v1"
API_ROOT = f"api/{API_VERSION}"
#: The environment variable that says where the site is published; `mkdocs.yml`'s `site_url` reads it too.
SITE_URL_VARIABLE = "POLICYKB_SITE_URL"
#: Where the site is published when `$POLICYKB_SITE_URL` is not set (the same default as `mkdocs.yml`'s, tested).
DEFAULT_SITE_URL = "https://policies.example.org/"


def site_url() -> str:
    """The absolute URL the site is published at, ending in `/`: `$POLICYKB_SITE_URL`, else `DEFAULT_SITE_URL`.

    Only identifiers that must be absolute use it (schema `$id`s, FHIR canonical URLs); links
    between published files stay relative to the site root, so a copy of the site works anywhere.
    """
    url = os.environ.get(SITE_URL_VARIABLE) or DEFAULT_SITE_URL
    return url if url.endswith("/") else url + "/"


def absolute(path: str) -> str:
    """`path` (relative to the site root) as an absolute URL under `site_url()`."""
    return site_url() + path


def api_index() -> str:
    """The list of all policies."""
    return f"{API_ROOT}/index.json"


def api_policy(number: str) -> str:
    """A policy: identity, history, revisions, their states and windows."""
    return f"{API_ROOT}/policies/{number}.json"


def api_revision(number: str, revision: str) -> str:
    """One revision's full snapshot."""
    return f"{API_ROOT}/policies/{number}/revisions/{revision}.json"


def api_diff(number: str, old: str, new: str) -> str:
    """The changes between two revisions."""
    return f"{API_ROOT}/policies/{number}/diffs/{old}..{new}.json"


def api_schema(name: str) -> str:
    """The JSON Schema of one kind of API file (`index`, `policy`, `revision`, `diff`, ...)."""
    return f"{API_ROOT}/schema/{name}.schema.json"


def page_policy(number: str) -> str:
    """The policy page: the revision in effect on the build's as-of date (`generators.domain.lifecycle`)."""
    return f"policies/{number}/"


def page_history(number: str) -> str:
    """The revision history page."""
    return f"policies/{number}/history/"


def page_revision(number: str, revision: str) -> str:
    """The page of a revision not shown on the policy page (upcoming, superseded, a draft in a preview)."""
    return f"policies/{number}/revisions/{revision}/"


def page_diff(number: str, old: str, new: str) -> str:
    """The "what changed" page between two revisions."""
    return f"policies/{number}/diffs/{old}..{new}/"


def api_code_index() -> str:
    """The code index's table of contents: code sets, note, and every shard with its code count."""
    return f"{API_ROOT}/codes/index.json"


def api_code_shard(system: str, prefix: str) -> str:
    """One shard of the code index: the codes of `system` (e.g. `icd10cm`) whose lookup key starts with `prefix` (e.g. `C71`)."""
    return f"{API_ROOT}/codes/{system}/{prefix}.json"


def download_codes_csv() -> str:
    """Every listed code (ICD-10-CM ranges expanded) as CSV, one row per policy, revision, system and code."""
    return f"{API_ROOT}/codes.csv"


def fhir_value_set(number: str, revision: str | None = None) -> str:
    """The HL7 FHIR R4 ValueSet of a policy's code list: the shown revision's, or the named `revision`'s."""
    if revision is None:
        return f"{API_ROOT}/fhir/ValueSet-{number}.json"
    return f"{API_ROOT}/fhir/ValueSet-{number}-{revision}.json"


def fhir_identifier_system() -> str:
    """The `identifier.system` of the policies' FHIR resources: policy numbers are identifiers under the list of policies (absolute)."""
    return absolute(page_policies())


def fhir_effective_period_extension() -> str:
    """The URL of our FHIR extension that gives a ValueSet its revision's window in effect (R4 has no `effectivePeriod` element on ValueSet)."""
    return absolute("fhir/StructureDefinition/effective-period")


def feed_atom() -> str:
    """The Atom feed of policy revisions (at the root, so its relative links resolve to pages)."""
    return "feed.xml"


def page_home() -> str:
    """The home page: what the site is, every policy, the ways to find one."""
    return ""


def page_policies() -> str:
    """The list of all policies."""
    return "policies/"


def page_upcoming() -> str:
    """Every upcoming revision of the library (approved, not yet in effect), by effective date."""
    return "upcoming/"


def page_downloads() -> str:
    """The downloads page: every published data file, what it holds, examples."""
    return "downloads/"


def page_search_help() -> str:
    """The page that says how search works and what it covers (hand-written `content/search.md`)."""
    return "search/"


def page_code_lookup() -> str:
    """The code lookup page (hand-written `content/lookup.md` over the shards of `api/v1/codes/`)."""
    return "lookup/"


def page_source(page_url: str) -> str:
    """The Markdown source of a page URL under the docs folder: `policies/6.01.03/index.md`."""
    return f"{page_url}index.md"


def page_html(page_url: str) -> str:
    """The finished HTML file of a page URL published outside MkDocs: `policies/6.01.03/revisions/2025-01-23/index.html`."""
    return f"{page_url}index.html"
