"""Package names loaded on first use (a module ``__getattr__``, PEP 562), so that importing a
package stays cheap: ``import numerics`` does not load mpmath training or the experiment engine."""

from __future__ import annotations

import importlib


def lazy_getattr(package: str, exports: dict[str, str]):
    """The module ``__getattr__`` of ``package``: each name of ``exports`` is imported from the
    module it maps to on first access; any other name raises ``AttributeError`` as usual
    (the entry points a notebook uses: docs/notebook.md).

    >>> getattr_ = lazy_getattr("pkg", {"sqrt": "math"})
    >>> getattr_("sqrt")(9.0)
    3.0
    """
    def __getattr__(name):
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
