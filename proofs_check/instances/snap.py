"""Near structure in imported networks, and snapping it to the exact structure (docs/interop.md).

A network trained in float64 holds its embedding structure only approximately: a replicated pair
has incoming vectors equal to 1e-9, an inactive unit an outgoing vector of 1e-12. The exact
detection of :mod:`proofs_check.landscape.structure` (``structural_zero_band``, 10^-(dps/2) of the parameter scale) misses
them, so no theorem applies. This module measures the same kinds of structure with their
distances, relative to the same scale ``s = max(1, max |theta|)``:

- replicated pair (layer, j, k): ``max |w~_j - w~_k| / s``; with several outputs also the distance
  of ``v_j`` from the line ``lambda (v_j + v_k)`` (``lambda`` as in ``structure``);
- zero-outgoing unit (v = 0, inactive unit): ``max |v_j| / s``;
- zero-incoming unit (inactive propagation): ``max |w_j| / s`` over the weights (not the bias);
- ReLU units: dead on the data (``structure.detect``'s margin ``-max_i u_ij``), and near-dead:
  ``0 <= max_i u_ij <= R max(1, max |u|)``, the distance being that ratio.

Items within the relative threshold ``R`` (``--near``, default :data:`DEFAULT_NEAR`) are reported;
:func:`snap` makes them exact (pairs get their mean incoming vector, and for several outputs the
outgoing vectors ``lambda s, (1 - lambda) s``; near-zero vectors become 0; a near-dead unit's bias
drops until its largest pre-activation is ``-max(max_i u_ij, R max(1, max |u|))``). Snapping
changes the network: it is an explicit step, recorded in the provenance with every operation,
its distance, the parameter change and the largest output change on the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import mlp
from numerics.evaluation import evaluate
from numerics.precision import (criticality_tolerance, half_digits, newton_target, structural_zero_band,
                                to_decimal_string, to_mp_array, to_mp_params, workdps)
from proofs_check.landscape.eigen import max_abs
from proofs_check.landscape import structure as st
from theory.architecture import Architecture
from theory.embeddings._units import editable, incoming, outgoing
from theory.errors import InvalidInput
from theory.params import Params

DEFAULT_NEAR = "1e-6"
"""Default relative distance below which structure counts as near (``--near``)."""

ORDER = ("dead", "near-dead", "zero-outgoing", "replicated", "zero-incoming")


@dataclass(frozen=True)
class NearItem:
    """One piece of near structure; ``units`` are 0-based indices in hidden layer ``layer``."""

    kind: str
    layer: int
    units: tuple
    distance: object  # relative distance (mpf); for "dead" the margin -max_i u_ij (absolute)
    exact: bool  # already exact at the classifier's tolerance (structure.detect finds it)

    def describe(self) -> str:
        """One line naming the structure, its layer and units, and its distance (or dead-unit margin)."""
        who = f"layer {self.layer} unit{'s' if len(self.units) > 1 else ''} {', '.join(map(str, self.units))}"
        if self.kind == "dead":
            return f"dead ReLU unit: {who}, margin {mpmath.nstr(self.distance, 3)} (exact: T6 applies)"
        state = "exact" if self.exact else "near"
        return f"{self.kind}: {who}, relative distance {mpmath.nstr(self.distance, 3)} ({state})"

    def to_json(self, dps) -> dict:
        """The item as a JSON-ready dict, the distance as a decimal string of ``dps`` digits."""
        return {"kind": self.kind, "layer": self.layer, "units": list(self.units),
                "distance": to_decimal_string(self.distance, dps), "exact": self.exact}


@dataclass(frozen=True)
class NearStructure:
    """Items within ``threshold`` and the closest pair of every hidden layer (any distance)."""

    items: tuple
    threshold: object
    scale: object
    closest_pairs: tuple  # (layer, j, k, relative distance)

    def describe(self) -> list[str]:
        """One line per near structure, then one per layer's closest pair of incoming vectors."""
        out = [item.describe() for item in self.items]
        out += [f"closest incoming vectors in layer {l}: units {j}, {k} at relative distance {mpmath.nstr(d, 3)}"
                for l, j, k, d in self.closest_pairs]
        return out

    @property
    def snappable(self) -> tuple:
        """The items that are near but not yet exact (the ones snapping would change)."""
        return tuple(i for i in self.items if not i.exact)


def _line_distance(vj, vk):
    """(lambda, max |v_j - lambda (v_j + v_k)|) with lambda = <v_j, s>/<s, s> (None if s = 0)."""
    s = vj + vk
    ss = mpmath.fsum(c * c for c in s)
    if ss == 0:
        return None, max_abs(vj)
    lam = mpmath.fsum(a * b for a, b in zip(vj, s)) / ss
    return lam, max_abs(vj - lam * s)


def near_structure(arch: Architecture, params: Params, x=None, *, near=DEFAULT_NEAR, dps: int = 50) -> NearStructure:
    """Measure the near structure of ``params`` (module docstring); ``x`` (n x d) enables the ReLU
    items. ``near`` is the relative threshold R (a decimal string or number)."""
    with workdps(dps):
        p = to_mp_params(params)
        R = mpmath.mpf(near)
        scale = max(mpmath.mpf(1), max_abs(p.to_vector()))
        exact_tol = structural_zero_band(dps, scale)  # structure.detect's parameter tolerance
        items, closest = [], []
        us = None
        if x is not None and arch.activation == "relu":
            us = st._layer_data(evaluate(arch, p, x, None, dps))[1]
        for l in range(arch.n_hidden_layers):
            H, cols = arch.widths[l + 1], arch.widths[l]
            vin = [incoming(arch, p, l, j) for j in range(H)]
            vout = [outgoing(p, l, j) for j in range(H)]
            if us is not None:
                u_scale = max(mpmath.mpf(1), max_abs(us[l]))
                for j in range(H):
                    top = max(us[l][:, j])
                    if top < 0:
                        items.append(NearItem("dead", l, (j,), -top, True))
                    elif top <= R * u_scale:
                        items.append(NearItem("near-dead", l, (j,), top / u_scale, False))
            for j in range(H):
                d = max_abs(vout[j]) / scale
                if d <= R:
                    items.append(NearItem("zero-outgoing", l, (j,), d, d * scale <= exact_tol))
                d = max_abs(vin[j][:cols]) / scale
                if d <= R:
                    items.append(NearItem("zero-incoming", l, (j,), d, d * scale <= exact_tol))
            best = None
            for j in range(H):
                for k in range(j + 1, H):
                    d = max_abs(vin[j] - vin[k]) / scale
                    if arch.outgoing_size(l) > 1:
                        d = max(d, _line_distance(vout[j], vout[k])[1] / scale)
                    if best is None or d < best[3]:
                        best = (l, j, k, d)
                    if d <= R:
                        items.append(NearItem("replicated", l, (j, k), d, d * scale <= exact_tol))
            if best is not None:
                closest.append(best)
        items.sort(key=lambda i: (ORDER.index(i.kind), i.layer, i.units))
    return NearStructure(tuple(items), R, scale, tuple(closest))


def snap(arch: Architecture, params: Params, near: NearStructure, x=None, *, dps: int = 50):
    """Make every non-exact item of ``near`` exact (module docstring).

    Returns (snapped params, records): one record per operation (kind, layer, units, distance,
    largest parameter change) and one per skipped item (a unit already changed by an earlier
    operation). Runs at ``dps``; the result is mpf."""
    with workdps(dps):
        p = to_mp_params(params)
        W, b = editable(p)
        touched, records = set(), []
        us = None
        if x is not None and arch.activation == "relu":
            us = st._layer_data(evaluate(arch, p, x, None, dps))[1]
        for item in near.snappable:
            l, units = item.layer, item.units
            if any((l, u) in touched for u in units):
                records.append({"kind": item.kind, "layer": l, "units": list(units), "skipped":
                                "a unit of this item was already changed by an earlier snap"})
                continue
            before = [np.array(a, dtype=object) for a in W] + ([np.array(a, dtype=object) for a in b] if b else [])
            if item.kind == "zero-outgoing":
                W[l + 1][:, units[0]] = mpmath.mpf(0)
            elif item.kind == "zero-incoming":
                W[l][units[0], :] = mpmath.mpf(0)
            elif item.kind == "near-dead":
                top = max(us[l][:, units[0]])
                u_scale = max(mpmath.mpf(1), max_abs(us[l]))
                b[l][units[0]] = b[l][units[0]] - (top + max(top, near.threshold * u_scale))
            elif item.kind == "replicated":
                j, k = units
                mean = (W[l][j, :] + W[l][k, :]) / 2
                W[l][j, :], W[l][k, :] = mean, mean.copy()
                if b is not None:
                    b[l][j] = b[l][k] = (b[l][j] + b[l][k]) / 2
                if arch.outgoing_size(l) > 1:
                    vj, vk = W[l + 1][:, j].copy(), W[l + 1][:, k].copy()
                    lam, _ = _line_distance(vj, vk)
                    if lam is not None:
                        W[l + 1][:, j], W[l + 1][:, k] = lam * (vj + vk), (1 - lam) * (vj + vk)
            after = list(W) + (list(b) if b else [])
            change = max(max_abs(np.asarray(a, dtype=object) - np.asarray(c, dtype=object))
                         for a, c in zip(after, before))
            touched.update((l, u) for u in units)
            records.append({"kind": item.kind, "layer": l, "units": list(units),
                            "distance": to_decimal_string(item.distance, dps),
                            "parameter_change": to_decimal_string(change, dps)})
        snapped = Params.build(arch, W, b)
        if x is not None and records:
            f0 = mlp.forward(arch, p, x, dps)
            f1 = mlp.forward(arch, snapped, x, dps)
            records.append({"max_output_change_on_data": to_decimal_string(max_abs(f1 - f0), dps)})
    return snapped, records


def polish(arch: Architecture, params: Params, x, y, *, dps: int = 50):
    """Newton-refine a near-critical network to a critical point at ``dps``, keeping its structure.

    The exact structure (:func:`proofs_check.landscape.structure.detect`) is undone, the narrow network is
    refined by :func:`numerics.training.polish.newton_gradient` (gradient in mpmath, step in
    float64) and the change is lifted back through the embeddings (:func:`structure.lift`, exact:
    the embeddings are affine), so replicated pairs stay replicated and dead units dead. Returns
    (params, record) with the gradient norms before and after, the largest parameter change and
    the largest output change on the data. Any depth (the Newton solver covers every network)."""
    # deferred: this module loads with every `semiflat` command; the trainer loads only when used
    from numerics.training.polish import newton_gradient

    with workdps(dps):
        p = to_mp_params(params)
        xs, ys = to_mp_array(np.asarray(x, dtype=object)), to_mp_array(np.asarray(y, dtype=object))
        structure = st.detect(arch, p, xs, dps=dps)
        steps = st.plan(arch, structure)
        stages = [(arch, p)]
        for step in steps:
            stages.append(st.apply_step(*stages[-1], step))
        narrow_arch, narrow = stages[-1]
        before = mlp.norm(mlp.gradient(arch, p, xs, ys, dps))
        result = newton_gradient(narrow_arch, list(narrow.to_vector()), xs, ys, dps, newton_target(dps))
        d = np.array(result.theta, dtype=object) - narrow.to_vector()
        for k in reversed(range(len(steps))):
            d = st.lift(*stages[k], steps[k], d)
        new = Params.from_vector(arch, p.to_vector() + d)
        after = mlp.norm(mlp.gradient(arch, new, xs, ys, dps))
        change = max_abs(mlp.forward(arch, new, xs, dps) - mlp.forward(arch, p, xs, dps))
        target = criticality_tolerance(dps)
        record = {"command": "polish", "method": "Newton on grad L (numerics.training.polish) on the network "
                  f"reduced by its exact structure ({len(steps)} step(s)), lifted back through the embeddings",
                  "newton_steps": result.steps, "reached_critical": bool(after < target),
                  "target": f"|grad L| < 10^-{half_digits(dps)}",
                  "gradient_norm_before": to_decimal_string(before, dps),
                  "gradient_norm_after": to_decimal_string(after, dps),
                  "parameter_change": to_decimal_string(max_abs(d), dps),
                  "max_output_change_on_data": to_decimal_string(change, dps)}
    return new, record


# --- command-line glue (classify, info) --------------------------------------------------------

def configure(parser) -> None:
    """Add ``--near R``, ``--snap`` and ``--snap-out FILE`` to a command's parser."""
    parser.add_argument("--near", default=DEFAULT_NEAR, metavar="R",
                        help=f"relative distance below which near structure is reported (default {DEFAULT_NEAR})")
    parser.add_argument("--snap", action="store_true",
                        help="make the near structure exact before the analysis (a recorded step)")
    parser.add_argument("--polish", action="store_true",
                        help="Newton-refine to a critical point at the working precision, keeping the exact "
                             "structure (after --snap; a recorded step)")
    parser.add_argument("--snap-out", default=None, metavar="NET.json",
                        help="with --snap or --polish: write the changed network (its provenance records the steps)")


def prepare(args, net, data, dps: int):
    """(network to analyse, lines to print, JSON object) for a command with :func:`configure`'s flags."""
    # deferred: this module loads with every `semiflat` command; the file writer loads only when used
    from numerics.io.network_file import NetworkFile, save_network

    try:
        R = mpmath.mpf(str(args.near))
    except (TypeError, ValueError):
        raise InvalidInput(f"--near {args.near!r}: give a relative distance such as 1e-6") from None
    if not 0 <= R < 1:
        raise InvalidInput(f"--near {args.near}: give a relative distance in [0, 1), e.g. 1e-6")
    if args.snap_out and not (args.snap or args.polish):
        raise InvalidInput("--snap-out needs --snap or --polish")
    if args.polish and data is None:
        raise InvalidInput("--polish needs the training data (--data FILE or data stored in the network file)")
    x = None if data is None else data.x
    found = near_structure(net.arch, net.params, x, near=args.near, dps=dps)
    lines = [f"near structure (relative distance <= {args.near}):"] + [f"  {t}" for t in found.describe()]
    out = {"near": str(args.near), "items": [i.to_json(dps) for i in found.items],
           "closest_pairs": [{"layer": l, "units": [j, k], "distance": to_decimal_string(d, dps)}
                             for l, j, k, d in found.closest_pairs]}
    if not (args.snap or args.polish):
        return net, lines, out
    params, provenance = net.params, dict(net.provenance)
    if args.snap:
        params, records = snap(net.arch, params, found, x, dps=dps)
        provenance = {"command": "snap", "near": str(args.near), "operations": records,
                      "note": "snapping changed the network to make near structure exact; the theorems "
                              "apply to the snapped network", "parent": provenance}
        ops = [r for r in records if "kind" in r]
        lines.append(f"snapped {len(ops)} item(s):")
        for r in records:
            if "kind" in r:
                lines.append(f"  {r['kind']} layer {r['layer']} units {r['units']}: "
                             + (r["skipped"] if "skipped" in r else
                                f"parameter change {mpmath.nstr(mpmath.mpf(r['parameter_change']), 3)}"))
            else:
                lines.append(f"  largest output change on the data: "
                             f"{mpmath.nstr(mpmath.mpf(r['max_output_change_on_data']), 3)}")
        out["snap"] = records
    if args.polish:
        params, record = polish(net.arch, params, data.x, data.y, dps=dps)
        provenance = dict(record, parent=provenance)
        lines.append(f"polished: {record['newton_steps']} Newton step(s), gradient norm "
                     f"{mpmath.nstr(mpmath.mpf(record['gradient_norm_before']), 3)} -> "
                     f"{mpmath.nstr(mpmath.mpf(record['gradient_norm_after']), 3)}, parameter change "
                     f"{mpmath.nstr(mpmath.mpf(record['parameter_change']), 3)}, largest output change on the data "
                     f"{mpmath.nstr(mpmath.mpf(record['max_output_change_on_data']), 3)}"
                     + ("" if record["reached_critical"] else
                        f"; did NOT reach {record['target']} (a singular Hessian stalls Newton)"))
        out["polish"] = record
    changed = NetworkFile(net.arch, params, net.dps, provenance, net.data)
    if args.snap_out:
        save_network(args.snap_out, net.arch, params, net.dps, provenance, net.data)
        lines.append(f"wrote {args.snap_out}")
    return changed, lines, out
