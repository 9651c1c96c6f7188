"""The model's own rules: the one walk of a statement's criteria tree."""

from __future__ import annotations

import json

from generators.model import Library, PlacedCriterion, Statement


def _statement() -> Statement:
    return Statement.model_validate_json(
        json.dumps({
            "id": "s",
            "number": "I",
            "determination": "medically_necessary",
            "text": "Covered when:",
            "criteria": {
                "all_of": [
                    {"id": "a", "label": "A", "text": "A text", "one_of": [{"id": "a1", "label": "1", "text": "one"}, {"id": "a2", "label": "2", "text": "two"}]},
                    {"id": "b", "label": "B", "text": "B text"},
                ]
            },
        })
    )


def test_iter_criteria_places_every_criterion_depth_first_in_printed_order() -> None:
    placed = list(_statement().iter_criteria())
    assert [(p.criterion.id, p.field_path, p.labels, p.parent_id) for p in placed] == [
        ("a", ("criteria", "all_of", 0), ("A",), None),
        ("a1", ("criteria", "all_of", 0, "one_of", 0), ("A", "1"), "a"),
        ("a2", ("criteria", "all_of", 0, "one_of", 1), ("A", "2"), "a"),
        ("b", ("criteria", "all_of", 1), ("B",), None),
    ]
    assert all(isinstance(p, PlacedCriterion) for p in placed)


def test_a_statement_without_criteria_has_none_to_walk() -> None:
    assert list(_statement().model_copy(update={"criteria": None}).iter_criteria()) == []


def test_field_paths_lead_to_their_criteria_in_the_data(library: Library) -> None:
    for policy in library.policies:
        for revision in policy.revisions:
            for statement in revision.statements:
                data = statement.model_dump(mode="json")
                for placed in statement.iter_criteria():
                    value = data
                    for step in placed.field_path:
                        value = value[step]
                    assert value["id"] == placed.criterion.id
