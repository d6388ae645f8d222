"""semiflat.proofs_check: one check per theorem, classification, reports, figures and the CLI."""
