"""Files in and out: NumPy ``.npz``, safetensors and PyTorch ``state_dict`` files (docs/interop.md).

Reading goes through :func:`numerics.interop.layers.layers_from_named` (one parser for every
format); writing through :func:`named_arrays` (one layout rule for every format). Every write is
atomic (:mod:`numerics.io.atomic`): nothing partial is left under the output name.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from numerics.io.atomic import atomic_path, write_atomic
from numerics.interop.exact import to_binary
from numerics.interop.layers import Layers, layers_from_named
from numerics.interop.torch_module import is_module, layers_from_module, layers_from_state_dict, to_torch
from theory.errors import InvalidInput

FORMATS = ("npz", "safetensors", "torch")
LAYOUTS = ("semiflat", "flax")
SUFFIXES = {".npz": "npz", ".safetensors": "safetensors", ".pt": "torch", ".pth": "torch"}


def format_of(path, fmt: str | None = None) -> str:
    """``fmt`` if given, else the format named by the file's suffix."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise InvalidInput(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(f"{path}: the suffix {suffix or '(none)'!r} names no known format; use .npz, "
                           ".safetensors, .pt or .pth, or pass --format")
    return SUFFIXES[suffix]


def read_layers(path, fmt: str | None = None) -> tuple[Layers, str]:
    """(layers, format) of a file; every defect is one :class:`InvalidInput` line."""
    fmt = format_of(path, fmt)
    if not Path(path).is_file():
        raise InvalidInput(f"{path}: no such file")
    return {"npz": _read_npz, "safetensors": _read_safetensors, "torch": _read_torch}[fmt](path), fmt


def _read_npz(path) -> Layers:
    try:
        with np.load(path, allow_pickle=False) as archive:
            named = {k: archive[k] for k in archive.files}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InvalidInput(f"{path} is not a readable .npz archive ({exc})") from None
    except ValueError as exc:
        raise InvalidInput(f"{path}: {exc} (object arrays are refused; store numbers and strings only)") from None
    return layers_from_named(named, str(path))


def _read_safetensors(path) -> Layers:
    try:
        from safetensors import safe_open
    except ImportError:
        raise InvalidInput("reading safetensors needs the 'safetensors' package: pip install safetensors") from None
    try:
        with safe_open(str(path), framework="np") as fh:
            meta = fh.metadata() or {}
            named = {k: fh.get_tensor(k) for k in fh.keys()}
    except Exception as exc:  # safetensors raises its own error types for every defect
        raise InvalidInput(f"{path} is not a readable safetensors file ({' '.join(str(exc).split())})") from None
    return layers_from_named(named, str(path), meta.get("activation"))


def _read_torch(path) -> Layers:
    try:
        import torch
    except ImportError:
        raise InvalidInput(f"{path}: reading PyTorch files needs torch (pip install 'semiflat[torch]'); "
                           "or save the state_dict with safetensors") from None

    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise InvalidInput(f"{path} is not a PyTorch state_dict that loads safely ({' '.join(str(exc).split())[:200]}); "
                           "save model.state_dict() instead of the pickled module") from None
    if is_module(obj):
        return layers_from_module(obj, str(path))
    if not hasattr(obj, "items"):
        raise InvalidInput(f"{path} holds a {type(obj).__name__}, not a state_dict (name -> tensor)")
    return layers_from_state_dict(obj, str(path))


def named_arrays(arch, params, layout: str = "semiflat", dtype: str = "float64", data=None) -> dict:
    """The arrays of a network under the names of ``layout`` (rounded to nearest ``dtype``).

    ``semiflat``: ``W{l}`` (out x in), ``b{l}``; ``flax``: ``params/Dense_{l}/kernel`` (in x out)
    and ``params/Dense_{l}/bias``; ``torch``: ``{2l}.weight``, ``{2l}.bias`` (the state_dict of
    :func:`numerics.interop.torch_module.to_torch`). ``data`` adds ``x`` and ``y``."""
    out = {}
    for l in range(arch.n_layers):
        W = to_binary(params.W[l], dtype)
        b = to_binary(params.b[l], dtype) if arch.bias else None
        if layout == "semiflat":
            out[f"W{l}"] = W
            if b is not None:
                out[f"b{l}"] = b
        elif layout == "flax":
            out[f"params/Dense_{l}/kernel"] = np.ascontiguousarray(W.T)
            if b is not None:
                out[f"params/Dense_{l}/bias"] = b
        elif layout == "torch":
            out[f"{2 * l}.weight"] = W
            if b is not None:
                out[f"{2 * l}.bias"] = b
        else:
            raise InvalidInput(f"--layout {layout!r}: use one of {', '.join(LAYOUTS)}")
    if data is not None:
        out["x"], out["y"] = to_binary(data.x, dtype), to_binary(data.y, dtype)
    return out


def write_file(path, arch, params, fmt: str, *, layout: str = "semiflat", dtype: str = "float64", data=None) -> None:
    """Write a network as ``fmt`` (npz, safetensors or torch), atomically."""
    fmt = format_of(path, fmt)
    if fmt == "torch":
        if layout != "semiflat":
            raise InvalidInput("--layout applies to npz and safetensors; a torch file is a state_dict")
        _write_torch(path, arch, params, dtype)
        return
    arrays = named_arrays(arch, params, layout, dtype, data)
    if fmt == "npz":
        buf = io.BytesIO()
        np.savez(buf, activation=np.array(arch.activation), **arrays)
        write_atomic(path, buf.getvalue())
        return
    try:
        from safetensors.numpy import save
    except ImportError:
        raise InvalidInput("writing safetensors needs the 'safetensors' package: pip install safetensors") from None
    meta = {"activation": arch.activation, "format": "semiflat.network/1 arrays", "layout": layout}
    write_atomic(path, save(arrays, metadata=meta))


def _write_torch(path, arch, params, dtype):
    try:
        import torch
    except ImportError:
        raise InvalidInput("--format torch needs torch (pip install 'semiflat[torch]'); export npz or "
                           "safetensors instead") from None

    model = to_torch(arch, params, dtype)
    with atomic_path(path) as tmp:
        torch.save(model.state_dict(), str(tmp))
