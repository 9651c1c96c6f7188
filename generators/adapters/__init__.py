"""Adapters: the ways in. The `policykb` command (`cli`), the MkDocs hook and the authors' commands."""
