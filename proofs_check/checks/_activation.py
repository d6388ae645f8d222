"""The activation of an activation-parametrised check, and whether its theorem applies to it.

``semiflat check --activation NAME`` runs every check of :data:`proofs_check.checks.registry.
ACTIVATION_CHECKS` whose statement holds for NAME (theory.activation_properties, the README
table): each such module names its statement key in ``APPLIES`` and its default activation in
``DEFAULT_ACTIVATION`` (docs/activations.md, "Which statements hold").
"""

from __future__ import annotations

from theory.activation_properties import STATEMENTS, holds
from theory.activations import get_activation
from theory.errors import NotConverged

OTHER_TRIES = 25
"""Seeds an instance search tries on an activation other than the check's default (where the
instance it looks for may not exist)."""


def chosen(config, module) -> str:
    """The activation a check runs on: ``check --activation`` or the module's default."""
    return config.activation or module.DEFAULT_ACTIVATION


def is_default(config, module) -> bool:
    """Whether the check runs on its default activation (no ``--activation``, or the same name)."""
    return chosen(config, module) == module.DEFAULT_ACTIVATION


def search_budget(config, module, other: int = OTHER_TRIES) -> dict:
    """Keyword arguments of an instance search: its own budget on the default activation, ``other``
    seeds on another one."""
    return {} if is_default(config, module) else {"tries": other}


def found_or_reason(config, module, find, other: int = OTHER_TRIES):
    """``find(**budget)``'s instance. On the default activation an instance must exist, so its
    NotConverged propagates (the check fails); on another activation it is returned as its message,
    and the caller reports that part as not tested."""
    try:
        return find(**search_budget(config, module, other))
    except NotConverged as exc:
        if is_default(config, module):
            raise
        return str(exc)


def reason_not(module, activation: str) -> str:
    """"" when ``module``'s theorem applies to ``activation``, else the reason it does not.

    The statement ``module.APPLIES`` must hold; a module may add a condition of its own
    (``module.extra_reason_not(activation)``, "" when it holds)."""
    props = get_activation(activation).properties
    key = getattr(module, "APPLIES", None)
    if key is not None and not holds(props, key):
        why = next(s.reason_not for s in STATEMENTS if s.key == key)
        return f"{module.THEOREM} needs statement {key}, which does not hold for {activation}: {why}"
    extra = getattr(module, "extra_reason_not", None)
    return extra(activation) if extra is not None else ""
