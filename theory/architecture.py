"""Network architecture: layer widths, activation, bias flag.

A network with widths ``(d, H_1, ..., H_{K-1}, M)`` has ``K = len(widths) - 1`` weight layers.
``W[l]`` (shape ``widths[l+1] x widths[l]``) maps layer ``l`` to layer ``l+1``; hidden layer
``h = 0..K-2`` has incoming weights ``W[h]``, ``b[h]`` and outgoing weights ``W[h+1]``. The output
layer is linear (docs/network.md; docs/formats.md, "Parameter order").
"""

from __future__ import annotations

from dataclasses import dataclass

from theory.activations import Activation, get_activation
from theory.errors import IncompatibleEmbedding, InvalidArchitecture


@dataclass(frozen=True)
class Architecture:
    """Widths ``(d, H_1, ..., M)``, activation name and whether every layer has a bias.

    The activation is stored as its canonical name (a string such as ``"tanh"``,
    ``"leaky_relu:0.1"`` or ``"expr:x*tanh(x)"``), so an Architecture stays frozen, hashable and
    round-trips through network files; :attr:`phi` is the :class:`Activation` it names.

    >>> Architecture((1, 5, 1), "tanh").n_params
    16
    """

    widths: tuple[int, ...]
    activation: str
    bias: bool = True

    def __post_init__(self):
        widths = tuple(self.widths)
        if len(widths) < 2:
            raise InvalidArchitecture(
                f"widths {list(widths)} has {len(widths)} entries; give at least input and output "
                "widths, e.g. [1, 5, 1]"
            )
        for w in widths:
            if isinstance(w, bool) or not isinstance(w, int) or w < 1:
                raise InvalidArchitecture(
                    f"widths {list(widths)} contains {w!r}; every width must be a positive integer"
                )
        object.__setattr__(self, "widths", widths)
        # raises InvalidArchitecture for unknown names; stores the canonical name (docs/activations.md)
        object.__setattr__(self, "activation", get_activation(self.activation).name)
        if not isinstance(self.bias, bool):
            raise InvalidArchitecture(f"bias must be true or false, got {self.bias!r}")

    @property
    def phi(self) -> Activation:
        """The hidden-layer activation object named by ``activation`` (docs/network.md)."""
        return get_activation(self.activation)

    @property
    def n_layers(self) -> int:
        """Number of weight layers K."""
        return len(self.widths) - 1

    @property
    def n_hidden_layers(self) -> int:
        """Number of hidden layers, ``len(widths) - 2`` (J - 2 for a J-layer network)."""
        return len(self.widths) - 2

    @property
    def input_dim(self) -> int:
        """Input dimension d = ``widths[0]``."""
        return self.widths[0]

    @property
    def output_dim(self) -> int:
        """Output dimension M = ``widths[-1]``."""
        return self.widths[-1]

    def layer_shape(self, l: int) -> tuple[int, int]:
        """Shape ``(widths[l + 1], widths[l])`` (out x in) of the weight matrix of layer ``l``."""
        return (self.widths[l + 1], self.widths[l])

    @property
    def n_params(self) -> int:
        """Total number of parameters: sum over layers of out x in weights, plus out biases when
        ``bias`` is set (the length of ``Params.to_vector()``, docs/network.md).
        """
        total = 0
        for l in range(self.n_layers):
            rows, cols = self.layer_shape(l)
            total += rows * cols + (rows if self.bias else 0)
        return total

    def check_layer(self, layer: int) -> None:
        """Raise unless ``layer`` names a hidden layer (0-based)."""
        if isinstance(layer, bool) or not isinstance(layer, int) or not (
            0 <= layer < self.n_hidden_layers
        ):
            if self.n_hidden_layers == 0:
                raise IncompatibleEmbedding(
                    f"--layer {layer}: the network {list(self.widths)} has no hidden layer to embed into"
                )
            raise IncompatibleEmbedding(
                f"--layer {layer} is out of range: the network {list(self.widths)} has hidden layers "
                f"0..{self.n_hidden_layers - 1}; pass --layer between 0 and {self.n_hidden_layers - 1}"
            )

    def check_unit(self, layer: int, unit: int) -> None:
        """Raise unless ``unit`` names a unit of hidden layer ``layer``."""
        self.check_layer(layer)
        width = self.widths[layer + 1]
        if isinstance(unit, bool) or not isinstance(unit, int) or not (0 <= unit < width):
            raise IncompatibleEmbedding(
                f"--unit {unit} is out of range: hidden layer {layer} has {width} units; "
                f"pass --unit between 0 and {width - 1}"
            )

    def incoming_size(self, layer: int) -> int:
        """Length of a unit's augmented incoming vector w~ = (W row, bias) in hidden layer ``layer``."""
        return self.widths[layer] + (1 if self.bias else 0)

    def outgoing_size(self, layer: int) -> int:
        """Length of a unit's outgoing vector v (the next layer's width)."""
        return self.widths[layer + 2]

    def widened(self, layer: int, extra: int = 1) -> "Architecture":
        """The architecture with ``extra`` more units in hidden layer ``layer``."""
        self.check_layer(layer)
        widths = list(self.widths)
        widths[layer + 1] += extra
        return Architecture(tuple(widths), self.activation, self.bias)

    def describe(self) -> str:
        """One-line human description: widths, activation, bias and parameter count."""
        return (
            f"widths {list(self.widths)}, activation {self.activation}, "
            f"bias {'yes' if self.bias else 'no'}, {self.n_params} parameters"
        )
