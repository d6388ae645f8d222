"""Dense layers from named arrays, and the network file they make (docs/interop.md).

A network arrives as named arrays (an ``.npz``, a safetensors file, a PyTorch ``state_dict``, a
flattened JAX/Flax parameter tree). Three naming schemes are recognised:

- semiflat: ``W0, b0, W1, b1, ...`` with ``W{l}`` of shape ``widths[l+1] x widths[l]``;
- PyTorch: ``<prefix>.weight`` / ``<prefix>.bias`` of ``nn.Linear`` (shape out x in), layers in
  the natural order of their prefixes (``0, 2, 10`` or ``fc1, fc2``);
- Flax: ``<prefix>/kernel`` / ``<prefix>/bias`` of ``nn.Dense``, the kernel in ``x W`` layout
  (in x out) and transposed on import; a leading ``params/`` is dropped.

Optional extras in the same file: ``activation`` (a string, or one string per hidden layer, all
equal) and the training data ``x`` (n x d), ``y`` (n x M). Everything else is refused with a
message naming the layer: convolutions (weights of 3 or more dimensions), normalisation
(running statistics, ``scale``, a 1-d weight), unknown arrays, widths that do not chain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from numerics.dataset import Dataset
from numerics.io.network_file import NetworkFile
from numerics.interop.exact import as_float_array, exact_dps, to_exact_mp
from numerics.precision import workdps
from theory.architecture import Architecture
from theory.errors import InvalidArchitecture, InvalidInput
from theory.params import Params

EXACTNESS = ("every parameter is the exact decimal expansion of its binary floating-point value "
             "(a binary float m 2^e is a finite decimal); dps is the smallest >= the requested floor "
             "at which the file writes every expansion in full, so nothing was rounded")

NORMALISATION_LEAVES = ("running_mean", "running_var", "num_batches_tracked", "scale", "mean", "var")
DATA_KEYS = ("x", "y")


class UnsupportedNetwork(InvalidInput):
    """A network the importer cannot represent; the message names the layer and why."""


@dataclass(frozen=True, eq=False)
class Layers:
    """Dense layers in semiflat layout: ``weights[l]`` out x in, ``biases[l]`` (out,) or None.

    ``activation`` is None when the source does not say; ``notes`` records what the importer did
    (transposed kernels, skipped identity layers) for the provenance."""

    weights: tuple
    biases: tuple | None
    activation: str | None = None
    layout: str = "semiflat"
    notes: tuple = ()
    data: Dataset | None = None


def _natural_key(text: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _split(key: str):
    for sep in ("/", "."):
        if sep in key:
            prefix, leaf = key.rsplit(sep, 1)
            return prefix, leaf
    return "", key


def layers_from_named(named: dict, source: str, activation=None) -> Layers:
    """Parse named arrays (module docstring) into :class:`Layers`.

    Arguments:
        named: name -> array (numpy, or anything ``numpy.asarray`` takes).
        source: the file or object name, for messages.
        activation: an activation stored beside the arrays (e.g. safetensors metadata), or None.
    """
    named = dict(named)
    if "activation" in named:
        activation = _stored_activation(named.pop("activation"), source, activation)
    data = _data(named, source)
    if not named:
        raise UnsupportedNetwork(f"{source} holds no weight arrays; expected W0, b0, W1, ... (see docs/interop.md)")
    ours = [k for k in named if re.fullmatch(r"[Wb]\d+", k)]
    if ours:
        other = [k for k in named if k not in ours]
        if other:
            raise UnsupportedNetwork(f"{source}: array {other[0]!r} is not a weight W<l>, bias b<l>, activation, "
                                     "x or y (see docs/interop.md for the accepted names)")
        return _semiflat_scheme(named, source, activation, data)
    return _module_scheme(named, source, activation, data)


def _stored_activation(value, source, given):
    names = [str(v) for v in np.asarray(value).reshape(-1)]
    if not names:
        raise UnsupportedNetwork(f"{source}: the 'activation' array is empty; store one name such as 'tanh'")
    if len(set(names)) > 1:
        raise UnsupportedNetwork(f"{source}: per-layer activations differ ({', '.join(names)}); semiflat "
                                 "networks use one activation in every hidden layer")
    if given is not None and given != names[0]:
        raise UnsupportedNetwork(f"{source}: the file stores activation {names[0]!r} and also {given!r}")
    return names[0]


def _data(named, source):
    present = [k for k in DATA_KEYS if k in named]
    if not present:
        return None
    if len(present) == 1:
        raise InvalidInput(f"{source} stores {present[0]!r} without {'y' if present[0] == 'x' else 'x'}; "
                           "store both the inputs x (n x d) and the targets y (n x M), or neither")
    x, y = (as_float_array(named.pop(k), k) for k in DATA_KEYS)
    return Dataset(x.reshape(len(x), -1), y.reshape(len(y), -1))


def _semiflat_scheme(named, source, activation, data):
    K = 1 + max(int(k[1:]) for k in named)
    missing = [f"W{l}" for l in range(K) if f"W{l}" not in named]
    if missing:
        raise UnsupportedNetwork(f"{source}: {', '.join(missing)} missing; weights must be W0..W{K - 1}")
    Ws = [_matrix(named[f"W{l}"], f"W{l}") for l in range(K)]
    has_b = [f"b{l}" in named for l in range(K)]
    if any(has_b) and not all(has_b):
        raise UnsupportedNetwork(f"{source}: biases {', '.join(f'b{l}' for l in range(K) if not has_b[l])} "
                                 "missing; semiflat networks have a bias in every layer or in none")
    bs = [as_float_array(named[f"b{l}"], f"b{l}") for l in range(K)] if all(has_b) else None
    return Layers(tuple(Ws), None if bs is None else tuple(bs), activation, "semiflat (W: out x in)", (), data)


def _matrix(arr, name, what="weight"):
    a = as_float_array(arr, name)
    if a.ndim >= 3:
        raise UnsupportedNetwork(f"layer {name!r} has a {a.ndim}-d {what} {list(a.shape)}: a convolution; "
                                 "only fully connected (Linear / Dense) layers can be imported")
    if a.ndim != 2:
        raise UnsupportedNetwork(f"layer {name!r} has a {a.ndim}-d {what} {list(a.shape)}: a normalisation or "
                                 "scaling layer; only fully connected (Linear / Dense) layers can be imported")
    return a


def _module_scheme(named, source, activation, data):
    groups: dict[str, dict] = {}
    for key, arr in named.items():
        prefix, leaf = _split(key)
        if prefix.startswith("params/"):
            prefix = prefix[len("params/"):]
        if leaf in NORMALISATION_LEAVES or prefix.startswith("batch_stats"):
            raise UnsupportedNetwork(f"layer {prefix or key!r} holds {leaf!r}: a normalisation layer "
                                     "(BatchNorm / LayerNorm) is not supported")
        if leaf not in ("weight", "bias", "kernel"):
            raise UnsupportedNetwork(f"{source}: array {key!r} is not a weight, kernel or bias of a dense layer "
                                     "(see docs/interop.md for the accepted names)")
        groups.setdefault(prefix, {})[leaf] = (key, arr)
    Ws, bs, notes, flax = [], [], [], None
    for prefix in sorted(groups, key=_natural_key):
        leaves = groups[prefix]
        name = prefix or "(top level)"
        if "weight" in leaves and "kernel" in leaves:
            raise UnsupportedNetwork(f"layer {name!r} has both a 'weight' and a 'kernel'")
        if "weight" not in leaves and "kernel" not in leaves:
            raise UnsupportedNetwork(f"layer {name!r} has a bias but no weight or kernel")
        is_kernel = "kernel" in leaves
        if flax is None:
            flax = is_kernel
        elif flax != is_kernel:
            raise UnsupportedNetwork(f"layer {name!r} mixes PyTorch 'weight' and Flax 'kernel' names")
        key, arr = leaves["kernel" if is_kernel else "weight"]
        w = _matrix(arr, prefix or key, "kernel" if is_kernel else "weight")
        Ws.append(w.T if is_kernel else w)
        bs.append(None if "bias" not in leaves else as_float_array(leaves["bias"][1], leaves["bias"][0]))
    if any(b is None for b in bs) and not all(b is None for b in bs):
        raise UnsupportedNetwork(f"{source}: some layers have a bias and others not; semiflat networks "
                                 "have a bias in every layer or in none")
    layout = "flax (kernel: in x out, transposed on import)" if flax else "pytorch (weight: out x in)"
    order = ", ".join(sorted(groups, key=_natural_key))
    notes.append(f"layer order: {order}")
    return Layers(tuple(Ws), None if bs[0] is None else tuple(bs), activation, layout, tuple(notes), data)


def widths_of(layers: Layers, source: str) -> tuple[int, ...]:
    """The widths ``(d, H_1, ..., M)`` the layers chain to; refuses shapes that do not chain."""
    Ws = layers.weights
    widths = [int(Ws[0].shape[1])]
    for l, w in enumerate(Ws):
        if w.shape[1] != widths[-1]:
            raise UnsupportedNetwork(f"{source}: layer {l} takes {w.shape[1]} inputs but layer {l - 1} gives "
                                     f"{widths[-1]} outputs (layers in the order read: see docs/interop.md)")
        widths.append(int(w.shape[0]))
        if layers.biases is not None and layers.biases[l].shape != (w.shape[0],):
            raise UnsupportedNetwork(f"{source}: the bias of layer {l} has shape {list(layers.biases[l].shape)}; "
                                     f"expected [{w.shape[0]}]")
    return tuple(widths)


def network_from_layers(layers: Layers, *, source: str, fmt: str, activation: str | None = None,
                        widths=None, dps: int = 50, data: Dataset | None = None) -> NetworkFile:
    """The :class:`NetworkFile` of imported layers, every value exact (module ``exact``).

    Arguments:
        layers: parsed layers (semiflat layout).
        source, fmt: recorded in the provenance (file name or object, ``"npz"`` ...).
        activation: the activation when the source does not store one (must agree if it does).
        widths: expected widths (``--arch``), checked against the arrays, or None.
        dps: the floor of the file's precision; raised until every value is written exactly.
        data: training data to store (else the data the source stores, if any).
    Returns:
        NetworkFile with mpf parameters equal to the binary values and provenance saying so.
    """
    act = layers.activation
    if activation is not None and act is not None and activation != act:
        raise UnsupportedNetwork(f"{source} stores activation {act!r} but {activation!r} was given")
    act = act or activation
    found = widths_of(layers, source)
    if widths is not None and tuple(widths) != found:
        raise UnsupportedNetwork(f"{source}: the arrays give widths {list(found)}, not the architecture "
                                 f"{list(widths)} that was given")
    if act is None:
        if len(found) > 2:
            raise InvalidInput(f"{source} does not say which activation its hidden layers use; pass it "
                               "(--activation tanh, or activation='tanh')")
        act = "identity"
    try:
        arch = Architecture(found, act, layers.biases is not None)
    except InvalidArchitecture as exc:
        raise UnsupportedNetwork(f"{source}: {exc}") from None
    stored = layers.data if data is None else None  # binary data of the source: converted exactly
    arrays = list(layers.weights) + list(layers.biases or ())
    if stored is not None:
        arrays += [stored.x, stored.y]
    file_dps = exact_dps(arrays, dps)
    dtypes = sorted({str(a.dtype) for a in list(layers.weights) + list(layers.biases or ())})
    with workdps(file_dps):
        params = Params.build(arch, [to_exact_mp(w) for w in layers.weights],
                              None if layers.biases is None else [to_exact_mp(b) for b in layers.biases])
        if stored is not None:
            data = Dataset(to_exact_mp(stored.x), to_exact_mp(stored.y))
    provenance = {"command": "import", "source": source, "format": fmt, "layout": layers.layout,
                  "dtype": ", ".join(dtypes), "exact": EXACTNESS, "dps_floor": int(dps)}
    if layers.notes:
        provenance["notes"] = list(layers.notes)
    return NetworkFile(arch, params, file_dps, provenance, data)
