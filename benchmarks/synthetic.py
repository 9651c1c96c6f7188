"""A synthetic policy library for benchmarks: N policies x R revisions shaped like 6.01.03.

Every policy gets what a real one has: numbered statements with criteria trees (up to three
levels), 5-50 codes (CPT `7xxxx`/`0xxxT`, HCPCS, and *real* ICD-10-CM codes and ranges from
the code set shipped with `simple-icd-10-cm`, so the data passes a code-set check), about 20
references cited by the literature and guidelines, and long text sections. Each revision
changes the previous one the way annual reviews do: statements added (which renumbers the
ones after them), codes added and reflagged, paragraphs edited, references added; the history
in `policy.yaml` lists the approval dates of the revision files and summarises the changes.

The output is deterministic: the same `--policies`, `--revisions` and `--seed` give
byte-identical files. It is written into a folder of the caller's choosing, which must be
empty or missing, and never into the repository's `policy_data/`.

Two size profiles (`Profile`): `large`, the default, about 1.75x 6.01.03's YAML per revision,
and `model`, about 1.1x (`--profile model`).

Usage: `python benchmarks/synthetic.py --policies 100 --revisions 5 --seed 1 --out /tmp/lib`
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's dumper is much faster; the output is the same YAML.
    _BaseDumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseDumper = yaml.SafeDumper


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Writes every value out: policy data refuses anchors and aliases (shared dates)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

REPOSITORY = Path(__file__).resolve().parent.parent
#: The newest revision of every synthetic policy is approved in this year.
LAST_YEAR = 2026
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX"]

# Vocabulary of the generated prose: medical-policy words, so word lengths and line breaks
# look like the real text (the YAML parser's work depends on them).
_NOUNS = (
    "imaging spectroscopy biopsy assessment evaluation therapy procedure device implant stimulation "
    "monitoring screening diagnosis treatment surveillance ablation infusion injection catheter "
    "transplant resection analysis biomarker sequencing panel test modality protocol outcome "
    "evidence literature trial cohort meta-analysis review population indication symptom lesion "
    "tumor neoplasm infection inflammation disorder syndrome deficiency insufficiency fracture "
    "stenosis occlusion perfusion metabolism tissue nerve artery vein muscle cartilage membrane"
).split()
_ADJECTIVES = (
    "conventional advanced randomized prospective retrospective systematic controlled clinical "
    "diagnostic therapeutic invasive non-invasive minimally-invasive primary secondary recurrent "
    "chronic acute refractory moderate severe pediatric adult peripheral central spinal cerebral "
    "cardiac pulmonary renal hepatic vascular metabolic functional structural standard alternative"
).split()
_VERBS = (
    "demonstrated evaluated reported suggested concluded compared assessed identified measured "
    "improved reduced supported confirmed examined investigated observed indicated established"
).split()
_FILLERS = "the of in and with for to a by as on than among between within after before".split()
_SURNAMES = (
    "Smith Garcia Chen Nguyen Patel Kim Müller Rossi Tanaka Kowalski Okafor Silva Haddad Larsen "
    "Moreau Ivanova Cohen Andersson Oliveira Novak Schneider Dubois Yamamoto Fischer Romero"
).split()
_JOURNALS = (
    "J Neurol Sci|Radiology|AJNR Am J Neuroradiol|Eur Radiol|JAMA Netw Open|N Engl J Med|Lancet Oncol|"
    "Clin Cancer Res|Neurosci Biobehav Rev|J Clin Oncol|Spine J|Pediatr Radiol|BMJ Open|Ann Intern Med"
).split("|")
_BODIES = (
    ("NCCN", "National Comprehensive Cancer Network"),
    ("NICE", "National Institute for Health and Care Excellence"),
    ("ACR", "American College of Radiology"),
    ("AAN", "American Academy of Neurology"),
    ("ASCO", "American Society of Clinical Oncology"),
    ("USPSTF", "United States Preventive Services Task Force"),
)
_DETERMINATIONS = ("medically_appropriate", "medically_necessary", "not_medically_necessary", "investigational", "cosmetic", "not_covered")
_PREAMBLE = (
    "Our medical policies are guides to evaluate technologies or services for medical necessity. "
    "Criteria are established through the assessment of evidence based, peer-reviewed scientific "
    "literature, and national professional guidelines. Federal and state law(s), regulatory "
    "mandates and the member's subscriber contract language are considered first in the "
    "determination of a covered service."
)
_DISCLAIMER = [
    "Services are contract dependent; if a product does not cover a service, medical policy criteria do not apply.",
    "If a commercial product (including an Essential Plan or Child Health Plus product) covers a specific service, medical policy criteria apply to the benefit.",
    "If a Medicaid product covers a specific service, and there are no New York State Medicaid guidelines (eMedNY) criteria, medical policy criteria apply to the benefit.",
    "If a Medicare product (including Medicare HMO-Dual Special Needs Program (DSNP) product) covers a specific service, and there is no national or local Medicare coverage decision for the service, medical policy criteria apply to the benefit.",
    "If a Medicare HMO-Dual Special Needs Program (DSNP) product DOES NOT cover a specific service, please refer to the Medicaid Product coverage line.",
]


# --------------------------------------------------------------------------- ICD-10-CM pools


@dataclass(frozen=True)
class IcdPools:
    """Real ICD-10-CM material: billable codes, and ranges over whole categories."""

    billable: tuple[str, ...]
    ranges: tuple[tuple[str, str, str], ...]  # (first, last, category description)


@cache
def icd_pools() -> IcdPools:
    """Billable codes and category ranges of the shipped ICD-10-CM release, in tabular order."""
    from generators.domain import icd10
    from generators.model import ICD10CM_CODE, code_order_key

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as cm
    billable: list[str] = []
    ranges: list[tuple[str, str, str]] = []
    for code in cm.get_all_codes(True):
        if not code[:1].isalpha() or "-" in code or not ICD10CM_CODE.match(code):
            continue  # chapters and blocks are not codes; QA0.8 and the like fail our format
        if cm.is_leaf(code) and "." in code and len(code) <= 7:
            billable.append(code)
        elif cm.is_category(code):
            children = cm.get_children(code)
            if 3 <= len(children) <= 10 and all(cm.is_leaf(c) for c in children):
                first, last = children[0], children[-1]
                if code_order_key(first) < code_order_key(last) and icd10.is_code(first):
                    ranges.append((first, last, str(cm.get_description(code))))
    return IcdPools(tuple(billable), tuple(ranges))


def icd_description(code: str) -> str:
    """The official description of a code (through `generators.domain.icd10`)."""
    from generators.domain import icd10

    return icd10.description(code)


# --------------------------------------------------------------------------- size profiles


@dataclass(frozen=True)
class Profile:
    """How much a synthetic policy holds: the bounds its random counts are drawn from.

    Attributes:
        name: the profile's name on the command line.
        extra_statements: at most this many statements besides the first (at least one).
        criteria: at most this many criteria at the top level of a tree, and below it.
        literature_paragraphs: (fewest, most) supportive-literature paragraphs.
        literature_sentences: (fewest, most) sentences in each of them.
        description_paragraphs: (fewest, most) description paragraphs.
        description_sentences: (fewest, most) sentences in each of them.
        added_literature_sentences: sentences of the paragraph a review adds with a reference.
    """

    name: str
    extra_statements: int
    criteria: tuple[int, int]
    literature_paragraphs: tuple[int, int]
    literature_sentences: tuple[int, int]
    description_paragraphs: tuple[int, int]
    description_sentences: tuple[int, int]
    added_literature_sentences: tuple[int, int]


#: The default: larger than 6.01.03 section by section (more and longer statements, literature
#: and description), about 36 KB of YAML per revision against 20.5 KB. Every benchmark figure is
#: measured on it unless `--profile` says otherwise.
LARGE = Profile("large", extra_statements=4, criteria=(6, 4), literature_paragraphs=(3, 8), literature_sentences=(4, 12), description_paragraphs=(2, 5), description_sentences=(4, 10), added_literature_sentences=(3, 8))
#: Sized like 6.01.03, the model the issue names: on average about as many bytes per revision
#: as its published revision, section by section within a factor of about 1.5.
MODEL = Profile("model", extra_statements=1, criteria=(3, 3), literature_paragraphs=(2, 4), literature_sentences=(3, 6), description_paragraphs=(2, 3), description_sentences=(3, 6), added_literature_sentences=(2, 4))
PROFILES = {profile.name: profile for profile in (LARGE, MODEL)}


# --------------------------------------------------------------------------- prose


class Writer:
    """Deterministic prose, IDs and citations from one `random.Random`."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used_slugs: set[str] = set()

    def phrase(self, words: int) -> str:
        rng = self.rng
        out = []
        for index in range(words):
            roll = rng.random()
            if roll < 0.3:
                out.append(rng.choice(_FILLERS))
            elif roll < 0.55:
                out.append(rng.choice(_ADJECTIVES))
            elif roll < 0.9:
                out.append(rng.choice(_NOUNS))
            else:
                out.append(rng.choice(_VERBS))
        return " ".join(out)

    def sentence(self, low: int = 10, high: int = 28) -> str:
        text = self.phrase(self.rng.randint(low, high))
        if self.rng.random() < 0.2:
            text += f" ({self.rng.randint(2, 95)}%)"
        return text[0].upper() + text[1:] + "."

    def paragraph(self, low: int = 3, high: int = 9) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def slug(self, words: int = 3) -> str:
        """A new stable ID, unique within this writer (i.e. within one policy)."""
        while True:
            candidate = "-".join(self.rng.choice(_NOUNS + _ADJECTIVES).replace("-", "") for _ in range(words))
            if candidate not in self._used_slugs:
                self._used_slugs.add(candidate)
                return candidate

    def reference(self, year_max: int) -> dict[str, Any]:
        rng = self.rng
        surname = rng.choice(_SURNAMES)
        year = rng.randint(year_max - 20, year_max)
        ref_id = f"{surname.lower().replace('ü', 'u')}-{year}"
        while ref_id in self._used_slugs:
            ref_id = f"{ref_id}-{rng.randint(2, 9)}"
        self._used_slugs.add(ref_id)
        text = f"{surname} {rng.choice('ABCDEFGHJKLMNPRST')}, et al. {self.sentence(8, 18)} *{rng.choice(_JOURNALS)}*. {year};{rng.randint(1, 400)}({rng.randint(1, 12)}):{rng.randint(1, 900)}-{rng.randint(901, 999)}."
        reference: dict[str, Any] = {"id": ref_id, "year": year}
        if rng.random() < 0.25:
            reference["url"] = f"https://www.example.org/guidelines/{ref_id}.pdf"
            text += f" Available from: <{reference['url']}>"
        reference["text"] = text
        return reference


# --------------------------------------------------------------------------- one revision


def _criteria(writer: Writer, depth: int, labels: str, profile: Profile) -> list[dict[str, Any]]:
    rng = writer.rng
    items = []
    for index in range(rng.randint(2, profile.criteria[0] if depth == 0 else profile.criteria[1])):
        criterion: dict[str, Any] = {"id": writer.slug(), "label": labels[index], "text": writer.sentence(8, 30)}
        if depth < 2 and rng.random() < (0.45 if depth == 0 else 0.25):
            criterion["text"] = criterion["text"][:-1] + " and **ONE** (1) of the following:"
            criterion["one_of" if rng.random() < 0.7 else "all_of"] = _criteria(writer, depth + 1, "123456789" if depth == 0 else "abcdefghi", profile)
        items.append(criterion)
    return items


def _statement(writer: Writer, determination: str, profile: Profile) -> dict[str, Any]:
    rng = writer.rng
    words = determination.replace("_", " ")
    statement: dict[str, Any] = {
        "id": writer.slug(),
        "number": "I",
        "determination": determination,
        "text": f"{writer.phrase(rng.randint(4, 12)).capitalize()} is considered **{words}**",
    }
    if determination in ("medically_appropriate", "medically_necessary") or rng.random() < 0.15:
        statement["text"] += " when:"
        statement["criteria"] = {"all_of" if rng.random() < 0.6 else "one_of": _criteria(writer, 0, "ABCDEFGHI", profile)}
    else:
        statement["text"] += f" for {writer.phrase(rng.randint(3, 9))}."
    return statement


def _cpt_code(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return f"0{rng.randint(1, 999):03d}T"
    return f"7{rng.randint(0, 9999):04d}"


def _code_entries(writer: Writer, count: int, pools: IcdPools) -> dict[str, list[dict[str, Any]]]:
    rng = writer.rng
    cpt_count = max(1, min(count // 3, rng.randint(2, 12)))
    hcpcs_count = rng.choice((0, 0, 1, 2, 3))
    icd_count = max(1, count - cpt_count - hcpcs_count)
    cpt: dict[str, dict[str, Any]] = {}
    while len(cpt) < cpt_count:
        code = _cpt_code(rng)
        cpt[code] = {"code": code, "description": writer.sentence(4, 20)[:-1]}
    hcpcs: dict[str, dict[str, Any]] = {}
    while len(hcpcs) < hcpcs_count:
        code = f"{rng.choice('ACEGJLQ')}{rng.randint(0, 9999):04d}"
        hcpcs[code] = {"code": code, "description": writer.sentence(4, 12)[:-1]}
    icd: dict[str, dict[str, Any]] = {}
    while len(icd) < icd_count:
        if rng.random() < 0.2:
            first, last, title = rng.choice(pools.ranges)
            entry = {"range_start": first, "range_end": last, "description": f"{title} (code range)"}
            icd.setdefault(f"{first}-{last}", entry)
        else:
            code = rng.choice(pools.billable)
            icd.setdefault(code, {"code": code, "description": icd_description(code)})
    return {"cpt": list(cpt.values()), "hcpcs": list(hcpcs.values()), "icd10cm": sorted(icd.values(), key=lambda e: e.get("code") or e["range_start"])}


def _flag(entries: list[dict[str, Any]], rng: random.Random, share: float) -> None:
    for entry in entries:
        if rng.random() < share:
            entry["flags"] = [rng.choice(("NMN", "E/I"))]


def first_revision(writer: Writer, title: str, approved: date, related: list[dict[str, str]], pools: IcdPools, profile: Profile) -> dict[str, Any]:
    """The oldest stored revision of a synthetic policy."""
    rng = writer.rng
    statements = [_statement(writer, rng.choice(("medically_appropriate", "medically_necessary")), profile)]
    statements += [_statement(writer, rng.choice(_DETERMINATIONS), profile) for _ in range(rng.randint(1, profile.extra_statements))]
    references = [writer.reference(approved.year) for _ in range(20)]
    references.sort(key=lambda r: r["id"])
    ref_ids = [r["id"] for r in references]
    literature = [{"text": writer.paragraph(*profile.literature_sentences), "cites": sorted(rng.sample(ref_ids, rng.randint(1, 3)))} for _ in range(rng.randint(*profile.literature_paragraphs))]
    guidelines = []
    for body, organization in rng.sample(_BODIES, rng.randint(1, 3)):
        guidelines.append(
            {
                "id": f"{body.lower()}-{writer.slug(2)}",
                "body": body,
                "organization": organization,
                "edition": f"Version {rng.randint(1, 4)}.{approved.year - 1}",
                "text": writer.paragraph(1, 3),
                "points": [writer.sentence() for _ in range(rng.randint(1, 4))],
                "cites": [rng.choice(ref_ids)],
            }
        )
    code_tables = _code_entries(writer, rng.randint(5, 40), pools)
    _flag(code_tables["cpt"], rng, 0.3)
    _flag(code_tables["icd10cm"], rng, 0.05)
    codes: dict[str, Any] = {
        "notes": ["Codes may not be covered under all circumstances.", "Code list may not be all inclusive (AMA and CMS code updates may occur more frequently than policy updates)."],
        "legend": [{"flag": "E/I", "meaning": "Experimental/Investigational"}, {"flag": "NMN", "meaning": "Not medically necessary/appropriate"}],
        "cpt": {"entries": code_tables["cpt"], "copyright": f"Copyright © {approved.year} American Medical Association, Chicago, IL"},
        "hcpcs": {"entries": code_tables["hcpcs"]} if code_tables["hcpcs"] else {"not_applicable": True},
        "icd10cm": {"entries": code_tables["icd10cm"]},
    }
    return {
        "revision": approved,
        "status": "published",
        "title": title,
        "effective_date": approved + timedelta(days=rng.randint(20, 120)),
        "next_review": f"{approved.year + 1}-{approved.month:02d}",
        "preamble": {"text": _PREAMBLE, "disclaimer_link_text": "Product Disclaimer"},
        "statements": _numbered(statements),
        "related_policies": [{"heading": "Corporate Medical Policy", "policies": related}] if related else [],
        "policy_guidelines": [writer.paragraph(1, 4) for _ in range(rng.randint(0, 3))],
        "description": [writer.paragraph(*profile.description_sentences) for _ in range(rng.randint(*profile.description_paragraphs))],
        "supportive_literature": literature,
        "professional_guidelines": guidelines,
        "regulatory_status": {"paragraphs": [writer.paragraph(2, 5)]} if rng.random() < 0.5 else {"not_applicable": True},
        "codes": codes,
        "references": references,
        "cms": [writer.paragraph(1, 3)],
        "search_terms": {"terms": sorted({writer.phrase(2) for _ in range(rng.randint(2, 8))})} if rng.random() < 0.4 else {"not_applicable": True},
        "disclaimer": list(_DISCLAIMER),
    }


def _numbered(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for index, statement in enumerate(statements):
        statement["number"] = ROMAN[index]
    return statements


def next_revision(writer: Writer, previous: dict[str, Any], approved: date, pools: IcdPools, profile: Profile) -> tuple[dict[str, Any], list[str]]:
    """The next annual review: a changed copy of `previous` and the summary of its changes."""
    rng = writer.rng
    revision = copy.deepcopy(previous)
    revision["revision"] = approved
    revision["status"] = "published"
    revision["effective_date"] = approved + timedelta(days=rng.randint(20, 120))
    revision["next_review"] = f"{approved.year + 1}-{approved.month:02d}"
    changes = ["Annual review."]

    if rng.random() < 0.5 and len(revision["statements"]) < 12:
        position = rng.randint(1, len(revision["statements"]))
        added = _statement(writer, rng.choice(_DETERMINATIONS), profile)
        revision["statements"].insert(position, added)
        _numbered(revision["statements"])  # renumbers every statement after the new one
        changes.append(f"Policy statement added as {added['determination'].replace('_', ' ')}.")
    for section in ("description", "policy_guidelines", "cms"):
        paragraphs = revision[section]
        if paragraphs and rng.random() < 0.6:
            index = rng.randrange(len(paragraphs))
            paragraphs[index] = paragraphs[index] + " " + writer.sentence()
    for paragraph in rng.sample(revision["supportive_literature"], min(2, len(revision["supportive_literature"]))):
        sentences = paragraph["text"].split(". ")
        index = rng.randrange(len(sentences))
        replacement = writer.sentence()
        sentences[index] = replacement if index == len(sentences) - 1 else replacement[:-1]
        paragraph["text"] = ". ".join(sentences)
    if rng.random() < 0.8:
        reference = writer.reference(approved.year)
        revision["references"].append(reference)
        revision["references"].sort(key=lambda r: r["id"])
        revision["supportive_literature"].append({"text": writer.paragraph(*profile.added_literature_sentences), "cites": [reference["id"]]})
        changes.append("References updated.")

    codes = revision["codes"]
    existing = {e.get("code") or f"{e['range_start']}-{e['range_end']}" for table in ("cpt", "hcpcs", "icd10cm") for e in codes[table].get("entries", [])}
    if len(existing) < 48:
        added_tables = _code_entries(writer, rng.randint(3, 5), pools)
        for table in ("cpt", "icd10cm"):
            fresh = [e for e in added_tables[table] if (e.get("code") or f"{e['range_start']}-{e['range_end']}") not in existing][:1]
            codes[table]["entries"].extend(fresh)
        codes["icd10cm"]["entries"].sort(key=lambda e: e.get("code") or e["range_start"])
        changes.append("Codes added.")
    for entry in rng.sample(codes["cpt"]["entries"], min(2, len(codes["cpt"]["entries"]))):
        if entry.get("flags"):
            del entry["flags"]
        else:
            entry["flags"] = [rng.choice(("NMN", "E/I"))]
    codes["cpt"]["copyright"] = f"Copyright © {approved.year} American Medical Association, Chicago, IL"
    changes.append("Code flags updated.")
    return revision, changes


def reconstruct(oldest: dict[str, Any], derived_from: date, writer: Writer) -> dict[str, Any]:
    """Mark the oldest revision as reconstructed from the next one, with its provenance."""
    oldest["status"] = "reconstructed"
    oldest["effective_date"] = None
    oldest["next_review"] = None
    oldest["provenance"] = {
        "derived_from": derived_from,
        "summary": f"Reconstructed from the published {derived_from.isoformat()} text and the policy history. {writer.sentence()}",
        "notes": [
            {"field": "effective_date", "difference": "Not known.", "reason": "The published text gives only the current effective date.", "basis": "unknown"},
            {"field": "statements", "difference": writer.sentence(), "reason": writer.sentence(), "basis": "inferred"},
        ],
    }
    return oldest


# --------------------------------------------------------------------------- one policy, the library


def policy_numbers(rng: random.Random, count: int) -> list[str]:
    """`count` distinct valid policy numbers (`N.NN.NN`, `NN.NN.NN`), in numeric order."""
    space = [(a, b, c) for a in range(1, 12) for b in range(1, 40) for c in range(1, 100)]
    if count > len(space):
        raise ValueError(f"at most {len(space)} synthetic policies")
    return [f"{a}.{b:02d}.{c:02d}" for a, b, c in sorted(rng.sample(space, count))]


def policy_title(rng: random.Random) -> str:
    words = [rng.choice(_ADJECTIVES).capitalize(), rng.choice(_NOUNS).capitalize(), rng.choice(_NOUNS).capitalize()]
    abbreviation = "".join(w[0] for w in words).upper()
    return f"{' '.join(words)} ({abbreviation})"


def synthetic_policy(seed: int, number: str, title: str, revisions: int, related: list[dict[str, str]], pools: IcdPools, profile: Profile = LARGE) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The `policy.yaml` data and the revision files' data of one policy, oldest first."""
    rng = random.Random(f"{seed}:{number}")  # per policy, so a policy does not depend on N
    writer = Writer(rng)
    dates = [date(LAST_YEAR - revisions + 1 + i, rng.randint(1, 12), rng.randint(1, 28)) for i in range(revisions)]
    snapshots = [first_revision(writer, title, dates[0], related, pools, profile)]
    summaries = [{"date": dates[0], "changes": ["Annual review. Policy intent unchanged."]}]
    for approved in dates[1:]:
        revision, changes = next_revision(writer, snapshots[-1], approved, pools, profile)
        snapshots.append(revision)
        summaries.append({"date": approved, "changes": [" ".join(changes)]})
    if revisions > 1 and rng.random() < 0.3:
        reconstruct(snapshots[0], dates[1], writer)
    first_year = dates[0].year
    older = sorted({date(rng.randint(first_year - 20, first_year - 1), rng.randint(1, 12), rng.randint(1, 28)) for _ in range(rng.randint(2, 10))})
    original = older[0]
    summaries.append({"date": original, "changes": ["Original effective date."]})
    identity = {
        "number": number,
        "title": title,
        "category": "Medical Policy",
        "history": {
            "committee_approval_dates": older + dates,
            "change_summaries": sorted(summaries, key=lambda s: s["date"], reverse=True),
        },
    }
    return identity, snapshots


def dump_yaml(data: Any) -> str:
    """YAML as an author would write it: block style, fields in model order, UTF-8."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def generate_library(out: Path, policies: int, revisions: int, seed: int, profile: Profile = LARGE) -> int:
    """Write `policies` x `revisions` synthetic policies of this size profile into `out`; return the files written.

    Raises:
        ValueError: `out` is the repository's `policy_data/` (or inside it), or not empty.
    """
    if policies < 1 or revisions < 1:
        raise ValueError("expected at least one policy and one revision")
    target = out.resolve()
    protected = (REPOSITORY / "policy_data").resolve()
    if target == protected or protected in target.parents:
        raise ValueError(f"refusing to write synthetic data into {protected}")
    if target.exists() and any(target.iterdir()):
        raise ValueError(f"{out} is not empty; expected an empty or missing folder")
    pools = icd_pools()
    rng = random.Random(seed)
    numbers = policy_numbers(rng, policies)
    titles = {number: policy_title(rng) for number in numbers}
    written = 0
    header = f"# Synthetic policy made by benchmarks/synthetic.py (seed {seed}); not a real policy.\n"
    for number in numbers:
        others = rng.sample(numbers, min(3, len(numbers)))
        related = [{"number": other, "title": titles[other]} for other in others if other != number][: rng.randint(0, 2)]
        identity, snapshots = synthetic_policy(seed, number, titles[number], revisions, related, pools, profile)
        folder = target / number / "revisions"
        folder.mkdir(parents=True)
        (target / number / "policy.yaml").write_text(header + dump_yaml(identity), encoding="utf-8")
        for snapshot in snapshots:
            (folder / f"{snapshot['revision'].isoformat()}.yaml").write_text(header + dump_yaml(snapshot), encoding="utf-8")
        written += 1 + len(snapshots)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: `--policies N --revisions R --seed S --out DIR`."""
    parser = argparse.ArgumentParser(description="Write a synthetic policy library for benchmarks.")
    parser.add_argument("--policies", type=int, default=100)
    parser.add_argument("--revisions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", choices=sorted(PROFILES), default=LARGE.name, help="size of each policy: large (default, about 1.75x 6.01.03) or model (about 6.01.03's size)")
    parser.add_argument("--out", type=Path, required=True, help="an empty or missing folder (never policy_data/)")
    args = parser.parse_args(argv)
    try:
        files = generate_library(args.out, args.policies, args.revisions, args.seed, PROFILES[args.profile])
    except ValueError as error:
        print(f"synthetic: error: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {args.policies} policies x {args.revisions} revisions ({files} files) into {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPOSITORY))
    sys.exit(main())
