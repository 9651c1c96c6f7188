"""Stage 3, outputs: models to files, one module per format, templates in `templates/`.

- `registry`: the `OutputFormat` protocol every format implements, and `FORMATS`;
- `json_api`: the JSON API (policy, revision files, index, schemas);
- `code_shards`: the code index as shards (`codes/index.json`, a file per prefix, their schemas);
- `codes_csv`: the codes as CSV (`codes.csv`);
- `fhir`: each policy's FHIR R4 ValueSets;
- `feed`: the Atom feed of revisions (`feed.xml`);
- `line_layout`: the one-record-a-line JSON of the code shards, written from encoded values;
- `site`: the MkDocs pages (home, policy list, policy and revision pages);
- `standalone`: pages published outside MkDocs (archived revisions, diffs);
- `look`: the plan's own look (name, logo, footer, menu), read once from `mkdocs.yml`;
- `theme_partials`: the theme's partials written from our templates (the search box);
- `diffs`: diff pages and JSON;
- `search`: the Pagefind index of the built site;
- `templating`: the Jinja2 environments shared by all of them.
"""
