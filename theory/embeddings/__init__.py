"""The three embeddings of docs/embeddings.md, one module each, plus repeated application."""

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

__all__ = [
    "METHODS",
    "EmbeddingRequest",
    "add_inactive_propagation",
    "add_inactive_unit",
    "draw_dead_incoming",
    "draw_incoming",
    "embed_once",
    "embed_to_width",
    "replicate",
    "replication_map",
    "replication_map_inverse",
    "split",
    "split_coordinates",
]
