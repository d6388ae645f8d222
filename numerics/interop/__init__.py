"""Bring your own network: NumPy, safetensors, PyTorch and JAX/Flax in and out (docs/interop.md).

- :func:`from_arrays`: weight matrices and bias vectors (numpy, JAX or torch arrays);
- :func:`from_torch`: an ``nn.Sequential`` or a ``state_dict`` (duck-typed; torch optional);
- :func:`read`: an ``.npz``, ``.safetensors`` or PyTorch ``.pt`` file;
- :func:`write`: a network to ``npz``, ``safetensors`` or ``torch``; :func:`to_torch` a module.

Every import returns a :class:`numerics.io.network_file.NetworkFile` whose parameters equal the binary
values exactly (``numerics.interop.exact``), ready for ``numerics.io.network_file.save_network``.
"""

from __future__ import annotations

from numerics.io.network_file import NetworkFile
from numerics.interop.exact import as_float_array
from numerics.interop.formats import FORMATS, LAYOUTS, format_of, named_arrays, read_layers, write_file
from numerics.interop.layers import Layers, UnsupportedNetwork, network_from_layers
from numerics.interop.torch_module import (
    TORCH_ACTIVATIONS,
    is_module,
    layers_from_module,
    layers_from_state_dict,
    to_torch,
)

__all__ = ["FORMATS", "LAYOUTS", "TORCH_ACTIVATIONS", "UnsupportedNetwork", "from_arrays", "from_torch",
           "named_arrays", "read", "to_torch", "write"]


def from_arrays(weights, biases=None, *, activation: str, layout: str = "semiflat", dps: int = 50,
                data=None) -> NetworkFile:
    """A network from per-layer arrays, exactly.

    Arguments:
        weights: ``W[l]`` of shape out x in (``layout="semiflat"``, PyTorch's layout) or Flax
            kernels of shape in x out (``layout="flax"``: transposed here).
        biases: per-layer bias vectors, or None for a network without biases.
        activation: the hidden layers' activation (a name of ``theory.activations``).
        dps: the floor of the file precision (raised until every value is exact).
        data: a :class:`numerics.dataset.Dataset` to store with the network.
    """
    if layout not in LAYOUTS:
        raise UnsupportedNetwork(f"layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    Ws = [as_float_array(w, f"W{l}") for l, w in enumerate(weights)]
    if not Ws:
        raise UnsupportedNetwork("no weight matrices given")
    for l, w in enumerate(Ws):
        if w.ndim != 2:
            raise UnsupportedNetwork(f"layer {l}: a {w.ndim}-d weight {list(w.shape)}; only dense layers")
    Ws = [w.T for w in Ws] if layout == "flax" else Ws
    bs = None if biases is None else tuple(as_float_array(b, f"b{l}").reshape(-1) for l, b in enumerate(biases))
    desc = "flax (kernel: in x out, transposed on import)" if layout == "flax" else "semiflat (W: out x in)"
    return network_from_layers(Layers(tuple(Ws), bs, None, desc), source="arrays", fmt="arrays",
                               activation=activation, dps=dps, data=data)


def from_torch(obj, *, activation: str | None = None, widths=None, dps: int = 50, data=None) -> NetworkFile:
    """A network from an ``nn.Sequential`` (activation read from its modules) or a ``state_dict``
    (``activation`` required; ``widths`` checked if given), exactly; see
    :mod:`numerics.interop.torch_module` for what is accepted and refused."""
    if is_module(obj):
        layers, fmt = layers_from_module(obj), "torch-module"
    elif hasattr(obj, "items"):
        layers, fmt = layers_from_state_dict(obj), "torch-state-dict"
    else:
        raise UnsupportedNetwork(f"a {type(obj).__name__}: pass an nn.Sequential or a state_dict")
    return network_from_layers(layers, source=type(obj).__name__, fmt=fmt, activation=activation,
                               widths=widths, dps=dps, data=data)


def read(path, *, activation: str | None = None, widths=None, dps: int = 50, data=None,
         fmt: str | None = None) -> NetworkFile:
    """Import a network file (``.npz``, ``.safetensors``, ``.pt``/``.pth``), exactly."""
    layers, fmt = read_layers(path, fmt)
    return network_from_layers(layers, source=str(path), fmt=fmt, activation=activation, widths=widths,
                               dps=dps, data=data)


def write(path, net: NetworkFile, fmt: str | None = None, *, layout: str = "semiflat",
          dtype: str = "float64", with_data: bool = True) -> None:
    """Export a network (rounded to nearest ``dtype``); ``with_data`` stores its data as x, y."""
    write_file(path, net.arch, net.params, format_of(path, fmt), layout=layout, dtype=dtype,
               data=net.data if with_data else None)
