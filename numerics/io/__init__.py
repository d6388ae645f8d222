"""File input and output: network files, data files, ball readers and atomic writes (docs/formats.md)."""
