"""semiflat.numerics: evaluation at any precision (mpmath) and vectorised float64, training and
the experiment engine. May import :mod:`theory`, never :mod:`proofs_check`."""
