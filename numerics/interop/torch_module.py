"""PyTorch ``nn.Sequential`` and ``state_dict`` objects, duck-typed (docs/interop.md "PyTorch").

torch is never imported here at module level: a module is read through its attributes (the
class name ``type(m).__name__``, ``weight``, ``bias``, iteration over children) and a tensor
through ``detach()``, ``cpu()`` and ``numpy()``, so any object with the same attributes works and
torch stays an optional extra (``semiflat[torch]``). :func:`to_torch` alone imports torch.

Accepted: ``Linear`` layers separated by one activation module, the same activation in every
hidden layer (mapped through :data:`TORCH_ACTIVATIONS` to a name of ``theory.activations``),
nested ``Sequential`` containers, ``Identity``, and ``Dropout`` layers (the identity at
evaluation; recorded in the provenance). Refused, with the layer's position and class named:
convolutions, normalisation, pooling and any other module, two Linear layers with no activation
between them, two activations in a row, a nonlinearity after the last Linear layer, hidden
layers whose activations differ, a mix of layers with and without bias.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from numerics.interop.exact import to_binary
from numerics.interop.layers import Layers, UnsupportedNetwork, layers_from_named
from theory.activations import get_activation
from theory.errors import InvalidArchitecture

DROPOUT = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")


def _softplus(m):
    if float(getattr(m, "beta", 1)) != 1:
        raise UnsupportedNetwork(f"Softplus with beta = {m.beta}: only beta = 1 is the softplus activation")
    return "softplus"


def _gelu(m):
    approx = getattr(m, "approximate", "none")
    if approx != "none":
        raise UnsupportedNetwork(f"GELU(approximate={approx!r}): only the exact erf form (approximate='none') "
                                 "is the gelu activation")
    return "gelu"


def _elu(m):
    alpha = float(getattr(m, "alpha", 1.0))
    return "elu" if alpha == 1.0 else f"elu:{alpha!r}"


TORCH_ACTIVATIONS = {
    "Tanh": lambda m: "tanh",
    "ReLU": lambda m: "relu",
    "Sigmoid": lambda m: "sigmoid",
    "Softplus": _softplus,
    "GELU": _gelu,
    "SiLU": lambda m: "silu",
    "ELU": _elu,
    "LeakyReLU": lambda m: f"leaky_relu:{float(getattr(m, 'negative_slope', 0.01))!r}",
    "SELU": lambda m: "selu",
    "Softsign": lambda m: "softsign",
}
"""torch activation class name -> function of the module giving the semiflat activation name."""

SEMIFLAT_TO_TORCH = {"tanh": "Tanh", "relu": "ReLU", "sigmoid": "Sigmoid", "softplus": "Softplus",
                     "gelu": "GELU", "identity": "Identity", "silu": "SiLU", "elu": "ELU", "selu": "SELU",
                     "softsign": "Softsign", "leaky_relu": "LeakyReLU"}


def to_numpy(tensor) -> np.ndarray:
    """A tensor (torch, JAX, numpy) as a numpy array, exactly (bfloat16 is widened to float32)."""
    t = tensor
    if hasattr(t, "detach"):
        t = t.detach()
    if hasattr(t, "cpu"):
        t = t.cpu()
    if "bfloat16" in str(getattr(t, "dtype", "")) and hasattr(t, "float"):
        t = t.float()  # every bfloat16 is a float32
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def is_module(obj) -> bool:
    """A module-like object: it has ``children`` or ``named_children`` (and is not a mapping)."""
    return not isinstance(obj, Mapping) and (hasattr(obj, "children") or hasattr(obj, "named_children"))


def _children(module):
    kids = module.children() if hasattr(module, "children") else (m for _, m in module.named_children())
    return list(kids)


def _flatten(module, out):
    for child in _children(module):
        if type(child).__name__ == "Sequential":
            _flatten(child, out)
        else:
            out.append(child)
    return out


def _activation_name(position, module):
    cls = type(module).__name__
    try:
        name = TORCH_ACTIVATIONS[cls](module)
    except UnsupportedNetwork as exc:
        raise UnsupportedNetwork(f"layer {position} ({cls}): {exc}") from None
    try:
        get_activation(name)
    except InvalidArchitecture as exc:
        raise UnsupportedNetwork(f"layer {position} ({cls}): {exc}") from None
    return name


def _refusal(position, cls):
    low = cls.lower()
    if "conv" in low:
        why = "a convolution; only Linear layers can be imported"
    elif "norm" in low:
        why = "a normalisation layer is not supported"
    elif "pool" in low:
        why = "a pooling layer is not supported"
    else:
        why = ("not a Linear layer or a supported activation (" + ", ".join(TORCH_ACTIVATIONS) + ")")
    return UnsupportedNetwork(f"layer {position} ({cls}): {why}")


def layers_from_module(module, source: str = "nn.Sequential") -> Layers:
    """Read an ``nn.Sequential`` (or an object with the same attributes) into :class:`Layers`."""
    if type(module).__name__ != "Sequential" and type(module).__name__ != "Linear":
        raise UnsupportedNetwork(
            f"{source}: a {type(module).__name__} module; its forward pass is not known from its layers. "
            "Pass an nn.Sequential, or its state_dict() with the activation")
    mods = [module] if type(module).__name__ == "Linear" else _flatten(module, [])
    Ws, bs, acts, notes = [], [], [], []
    last = None  # "linear" or "activation"
    for i, m in enumerate(mods):
        cls = type(m).__name__
        if cls == "Linear":
            if last == "linear":
                raise UnsupportedNetwork(f"layers {i - 1} and {i} (Linear, Linear): two Linear layers with no "
                                         "activation between them")
            Ws.append(to_numpy(m.weight))
            bias = getattr(m, "bias", None)
            bs.append(None if bias is None else to_numpy(bias))
            last = "linear"
        elif cls in TORCH_ACTIVATIONS:
            if last is None:
                raise UnsupportedNetwork(f"layer {i} ({cls}) comes before any Linear layer; the input must "
                                         "enter a Linear layer")
            if last == "activation":
                raise UnsupportedNetwork(f"layer {i} ({cls}) follows another activation; use one activation "
                                         "between Linear layers")
            acts.append((i, cls, _activation_name(i, m)))
            last = "activation"
        elif cls == "Identity" or cls in DROPOUT:
            notes.append(f"layer {i} ({cls}) skipped: the identity at evaluation")
        else:
            raise _refusal(i, cls)
    if not Ws:
        raise UnsupportedNetwork(f"{source} has no Linear layer")
    if last == "activation":
        i, cls, _ = acts[-1]
        raise UnsupportedNetwork(f"layer {i} ({cls}) is a nonlinearity on the output; semiflat networks have "
                                 "a linear output layer (drop it, or put it in the loss)")
    names = {name for _, _, name in acts}
    if len(names) > 1:
        (i, ci, _), (j, cj, _) = acts[0], next(a for a in acts if a[2] != acts[0][2])
        raise UnsupportedNetwork(f"layer {j} ({cj}) differs from layer {i} ({ci}): semiflat networks use one "
                                 "activation in every hidden layer")
    if any(b is None for b in bs) and not all(b is None for b in bs):
        k = next(k for k, b in enumerate(bs) if (b is None) != (bs[0] is None))
        raise UnsupportedNetwork(f"Linear layer {k} {'has no' if bs[k] is None else 'has a'} bias unlike "
                                 "Linear layer 0; semiflat networks have a bias in every layer or in none")
    return Layers(tuple(Ws), None if bs[0] is None else tuple(bs), acts[0][2] if acts else None,
                  "pytorch (weight: out x in)", tuple(notes))


def layers_from_state_dict(state, source: str = "state_dict") -> Layers:
    """Read a ``state_dict`` (name -> tensor, PyTorch naming ``<prefix>.weight``) into :class:`Layers`.

    The activation is not in a state_dict: give it to :func:`numerics.interop.from_torch`."""
    return layers_from_named({k: to_numpy(v) for k, v in state.items()}, source)


def torch_activation(name: str):
    """The torch module of a semiflat activation name (imports torch)."""
    import torch

    if name.startswith("leaky_relu:"):
        return torch.nn.LeakyReLU(float(name.split(":", 1)[1]))
    if name.startswith("elu:"):
        return torch.nn.ELU(float(name.split(":", 1)[1]))
    if name not in SEMIFLAT_TO_TORCH:
        raise UnsupportedNetwork(f"activation {name!r} has no PyTorch module; export npz or safetensors instead")
    return getattr(torch.nn, SEMIFLAT_TO_TORCH[name])()


def to_torch(arch, params, dtype: str = "float64"):
    """An ``nn.Sequential`` of Linear and activation modules computing the network (imports torch).

    Weights are rounded to ``dtype`` to nearest (``numerics.interop.exact.to_binary``); the
    Linear layers sit at positions 0, 2, 4, ... so the ``state_dict`` keys are ``0.weight``, ..."""
    import torch

    layers = []
    for l in range(arch.n_layers):
        rows, cols = arch.layer_shape(l)
        lin = torch.nn.Linear(cols, rows, bias=arch.bias, dtype=getattr(torch, dtype))
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(to_binary(params.W[l], dtype)))
            if arch.bias:
                lin.bias.copy_(torch.from_numpy(to_binary(params.b[l], dtype)))
        layers.append(lin)
        if l < arch.n_layers - 1:
            layers.append(torch_activation(arch.activation))
    return torch.nn.Sequential(*layers)
