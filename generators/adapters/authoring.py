"""Authoring: start the next revision of a policy as a draft, and publish a draft once approved.

- `revise(data_dir, number, approved, effective)` writes `revisions/<approved>.yaml`, a draft
  copy of the newest stored revision with its dates set, its header comment saying what it is,
  and an empty `change_summary` (which `policykb lint` reminds about);
- `publish(data_dir, number, key)` turns a valid draft into a published revision: `status:
  published`, and its approval date and summary of changes added to the history in
  `policy.yaml`.

Both edit the YAML as text, line by line, so the authors' comments and layout stay as they
wrote them; both check the result by loading the policy again and write nothing unless it is
valid (each file is replaced atomically).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from generators.errors import PolicyDataError, PolicyKbError
from generators.model import Policy, Revision, RevisionStatus
from generators.load.validate import load_policy
from generators.build.write import write_file_atomically


class AuthoringError(PolicyKbError, ValueError):
    """A revise or publish request that cannot be carried out (the message says why and what to do)."""


def _load(folder: Path, root: Path) -> Policy:
    policy, problems = load_policy(folder, root)
    if policy is None:
        raise PolicyDataError(problems)
    return policy


def _folder(data_dir: Path, number: str) -> Path:
    folder = data_dir / number
    if not (folder / "policy.yaml").is_file():
        known = ", ".join(sorted(p.name for p in data_dir.iterdir() if (p / "policy.yaml").is_file())) if data_dir.is_dir() else ""
        raise AuthoringError(f"no policy {number!r} in {data_dir}; the knowledge base has: {known or 'none'}")
    return folder


def _set_key(text: str, key: str, value: str, path: Path) -> str:
    """`text` with the top-level `key: ...` line set to `value` (the line must be there)."""
    pattern = re.compile(rf"^{re.escape(key)}:.*$", re.MULTILINE)
    if not pattern.search(text):
        raise AuthoringError(f"{path}: found no top-level line '{key}: ...'; expected one to set")
    return pattern.sub(f"{key}: {value}", text, count=1)


def _drop_block(text: str, key: str) -> str:
    """`text` without the top-level `key:` block (its line and the indented or blank lines under it)."""
    return re.sub(rf"^{re.escape(key)}:.*\n(?:(?:[ \t]+.*|)\n)*", "", text, count=1, flags=re.MULTILINE)


def _short_date(day: date) -> str:
    return day.strftime("%m/%d/%y")


def _next_review(approved: date) -> str:
    """A year after the approval month: the annual review the plan's policies follow."""
    return f"{approved.year + 1:04d}-{approved.month:02d}"


def revise(data_dir: Path, number: str, approved: date, effective: date | None) -> Path:
    """Write the next revision of policy `number` as a draft copy of its newest one; return its path.

    Raises:
        AuthoringError: the policy is unknown, a draft or the revision exists already, or the
            dates are not after the newest revision's.
        PolicyDataError: the policy's data is invalid (fix it first).
    """
    folder = _folder(data_dir, number)
    policy = _load(folder, data_dir.parent)
    drafts = [r.key for r in policy.revisions if r.status is RevisionStatus.DRAFT]
    if drafts:
        raise AuthoringError(f"policy {number} has a draft already ({', '.join(drafts)}); publish it or delete its file before starting another")
    newest: Revision = policy.newest
    if approved <= newest.revision:
        raise AuthoringError(f"found --approved {approved}; expected a date after the newest revision, {newest.key}")
    if effective is not None and effective < approved:
        raise AuthoringError(f"found --effective {effective}, before --approved {approved}; expected the effective date on or after the approval")
    target = folder / "revisions" / f"{approved.isoformat()}.yaml"
    if target.exists():
        raise AuthoringError(f"{target} exists already; expected a new approval date")
    source = folder / "revisions" / f"{newest.key}.yaml"
    text = source.read_text(encoding="utf-8")
    body = re.sub(r"\A(?:#.*\n)*", "", text)  # the copy's header comment described the older text
    body = _set_key(body, "revision", approved.isoformat(), source)
    body = _set_key(body, "status", RevisionStatus.DRAFT.value, source)
    body = _set_key(body, "effective_date", effective.isoformat() if effective else "null", source)
    body = _set_key(body, "next_review", _next_review(approved), source)
    body = _drop_block(body, "provenance")  # a reconstruction's provenance is not the draft's
    body = _drop_block(body, "change_summary").rstrip("\n") + "\n\n# The summary of changes of this revision, one bullet per line; `policykb publish` moves it into policy.yaml.\nchange_summary: []\n"
    header = (
        f"# Draft of the next revision of {number}, for the committee meeting of {_short_date(approved)}:\n"
        f"# a copy of revision {newest.key} made by `policykb revise`. Edit the text, fill in change_summary,\n"
        f"# then `policykb publish {number} {approved.isoformat()}` once the committee has approved it.\n"
        f"# next_review was set to a year after approval ({_next_review(approved)}); change it if the committee set another.\n"
    )
    write_file_atomically(target, (header + body).encode("utf-8"))
    try:
        _load(folder, data_dir.parent)
    except PolicyDataError:
        target.unlink()
        raise
    return target


def publish(data_dir: Path, number: str, key: str) -> list[Path]:
    """Publish the draft `key` of policy `number`; return the files changed.

    Raises:
        AuthoringError: no such draft, or its summary of changes is empty.
        PolicyDataError: the policy's data (the draft included) is invalid; nothing is changed.
    """
    folder = _folder(data_dir, number)
    policy = _load(folder, data_dir.parent)
    draft = policy.revision(key)
    if draft is None or draft.status is not RevisionStatus.DRAFT:
        found = ", ".join(r.key for r in policy.revisions if r.status is RevisionStatus.DRAFT) or "none"
        raise AuthoringError(f"policy {number} has no draft {key!r}; its drafts: {found}")
    path = folder / "revisions" / f"{key}.yaml"
    if not draft.change_summary:
        raise AuthoringError(f"{path}: change_summary is empty; expected the summary of changes the committee approved, one bullet per line")
    revision_text = path.read_text(encoding="utf-8")
    published = _set_key(revision_text, "status", RevisionStatus.PUBLISHED.value, path)
    published = _drop_block(published, "change_summary")
    published = re.sub(r"^# The summary of changes of this revision.*\n", "", published, flags=re.MULTILINE)
    published = re.sub(r"\A(?:#.*\n)*", f"# {number} as approved by the committee on {_short_date(draft.revision)} (published with `policykb publish`).\n", published)
    published = published.rstrip("\n") + "\n"
    identity_path = folder / "policy.yaml"
    identity_text = identity_path.read_text(encoding="utf-8")
    identity = _add_to_history(identity_text, draft, identity_path)
    before = {path: revision_text, identity_path: identity_text}
    write_file_atomically(path, published.encode("utf-8"))
    write_file_atomically(identity_path, identity.encode("utf-8"))
    try:
        _load(folder, data_dir.parent)
    except PolicyDataError:
        for restored, text in before.items():
            write_file_atomically(restored, text.encode("utf-8"))
        raise
    return [path, identity_path]


def _add_to_history(text: str, draft: Revision, path: Path) -> str:
    """policy.yaml's text with the draft's approval date (oldest first) and summary (newest first) added."""
    lines = text.splitlines(keepends=True)
    dates = next((i for i, line in enumerate(lines) if line.strip() == "committee_approval_dates:"), None)
    summaries = next((i for i, line in enumerate(lines) if line.strip() == "change_summaries:"), None)
    if dates is None or summaries is None:
        raise AuthoringError(f"{path}: found no 'committee_approval_dates:' or 'change_summaries:' list; expected both under history")
    indent = len(lines[dates]) - len(lines[dates].lstrip())
    end = dates + 1
    while end < len(lines) and lines[end].strip().startswith("- "):
        end += 1
    item = " " * (indent + 2) + "- "
    lines.insert(end, f"{item}{draft.key}\n")
    summaries += 1 if end <= summaries else 0
    entry = [f"{item}date: {draft.key}\n", " " * (indent + 4) + "changes:\n"]
    entry += [" " * (indent + 6) + "- " + _yaml_scalar(change) + "\n" for change in draft.change_summary or []]
    lines[summaries + 1 : summaries + 1] = entry
    return "".join(lines)


def _yaml_scalar(text: str) -> str:
    """`text` as a double-quoted YAML scalar (any character is safe in one)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'

