"""The rows of ``semiflat bench``: each measures ours against a named baseline in the same run (docs/formats.md)."""
