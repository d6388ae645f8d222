"""The loss landscape at a point: classification, detected structure, steps of the embedding walk, descent directions and the eigen/inertia vocabulary (docs/classification.md)."""
