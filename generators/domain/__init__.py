"""Stage 2, the domain: what the models mean, computed once for every output.

- `lifecycle`: which revision is in effect, upcoming, superseded on a date;
- `timeline`: each revision's effective window;
- `diff`: the structured changes between two revisions;
- `code_index`: every billing code and the revisions that list it;
- `icd10`: the ICD-10-CM code set (ranges, billable codes).
"""
