"""Stage 1, load and validate: YAML files to the typed models of `generators.model`.

- `yaml_files`: a YAML file to plain data, with the line of every field;
- `validate`: plain data to models, every problem collected as a located `Diagnostic`;
- `codeset_check`: the ICD-10-CM codes of a library checked against the code set.
"""
