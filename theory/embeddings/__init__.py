"""The three embeddings of docs/embeddings.md, one module each, plus repeated application.

Each kind module owns its maps (docs/embeddings.md, "Maps"): ``apply`` (narrow -> wide),
``undo`` (wide -> narrow where the structure is present) and ``tangent`` (narrow directions ->
wide directions, plus the directions the wide tangent space adds). :data:`KINDS` lists the kind
modules, for callers and tests that loop over all of them.
"""

from theory.embeddings import inactive_propagation, inactive_unit, replication
from theory.embeddings.inactive_propagation import add_inactive_propagation
from theory.embeddings.inactive_unit import add_inactive_unit, draw_dead_incoming, draw_incoming
from theory.embeddings.repeated import METHODS, EmbeddingRequest, embed_once, embed_to_width
from theory.embeddings.replication import (
    replicate,
    replication_map,
    replication_map_inverse,
    split,
    split_coordinates,
)

KINDS = (replication, inactive_unit, inactive_propagation)
"""The embedding kind modules, each with ``apply``, ``undo`` and ``tangent``."""

__all__ = [
    "KINDS",
    "METHODS",
    "EmbeddingRequest",
    "add_inactive_propagation",
    "add_inactive_unit",
    "draw_dead_incoming",
    "draw_incoming",
    "embed_once",
    "embed_to_width",
    "inactive_propagation",
    "inactive_unit",
    "replicate",
    "replication",
    "replication_map",
    "replication_map_inverse",
    "split",
    "split_coordinates",
]
