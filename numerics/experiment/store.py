"""The resumable partial store under ``DIR/.partial``: run options, trained bases, chunk files.

Every file is written atomically (temporary file + ``os.replace``), so a run killed at any
moment leaves only complete chunks; ``--resume`` reads which trials are done from the chunk
file names and computes only the rest (whatever the new chunk size).
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import numpy as np

from numerics.atomic import write_atomic
from numerics.experiment.base import BaseNetwork
from theory.errors import InvalidInput

_CHUNK = re.compile(r"^chunk_(?P<act>[a-z]+)_(?P<lo>\d+)_(?P<hi>\d+)\.npz$")


class PartialStore:
    """Files of one (possibly interrupted) run in ``folder``."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def start(self, run_key: dict, resume: bool) -> None:
        """Begin a run: with ``resume`` keep matching progress (refuse a mismatch), else reset."""
        key_path = self.folder / "run.json"
        if self.folder.exists() and not resume:
            shutil.rmtree(self.folder)
        if resume and key_path.exists():
            old = json.loads(key_path.read_text(encoding="utf-8"))
            if old != run_key:
                diff = sorted(k for k in set(old) | set(run_key) if old.get(k) != run_key.get(k))
                raise InvalidInput(
                    f"--resume: {self.folder.parent} holds an interrupted run with different options "
                    f"({', '.join(diff)}); rerun without --resume to start over, or use another --out"
                )
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(key_path, json.dumps(run_key, sort_keys=True).encode())

    def discard(self) -> None:
        """Remove the store once the run's final files are written (nothing is left to resume)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def load_base(self, activation: str) -> BaseNetwork | None:
        path = self.folder / f"base_{activation}.json"
        if not path.exists():
            return None
        return BaseNetwork.from_record(json.loads(path.read_text(encoding="utf-8")))

    def save_base(self, base: BaseNetwork) -> None:
        write_atomic(self.folder / f"base_{base.activation}.json", json.dumps(base.to_record()).encode())

    def done_ranges(self, activation: str) -> list[tuple[int, int]]:
        out = []
        for p in self.folder.glob(f"chunk_{activation}_*.npz"):
            m = _CHUNK.match(p.name)
            if m and m["act"] == activation:
                out.append((int(m["lo"]), int(m["hi"])))
        return sorted(out)

    def save_chunk(self, activation: str, lo: int, hi: int, arrays: dict) -> None:
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        write_atomic(self.folder / f"chunk_{activation}_{lo}_{hi}.npz", buf.getvalue())

    def load_trials(self, activation: str, lo: int, hi: int) -> dict[str, np.ndarray]:
        """The arrays of trials [lo, hi), assembled from the chunk files (each trial once)."""
        parts, covered = [], lo
        for a, b in self.done_ranges(activation):
            if b <= covered or a >= hi:
                continue
            if a > covered:
                break
            with np.load(self.folder / f"chunk_{activation}_{a}_{b}.npz") as z:
                arrays = {k: z[k] for k in z.files}
            s, e = covered - a, min(b, hi) - a
            parts.append({k: v[s:e] for k, v in arrays.items()})
            covered = min(b, hi)
        if covered < hi:
            raise InvalidInput(f"{self.folder}: trials {covered}..{hi - 1} of {activation} are missing")
        return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}


def missing_ranges(done: list[tuple[int, int]], lo: int, hi: int, chunk: int) -> list[tuple[int, int]]:
    """Chunks of at most ``chunk`` trials covering [lo, hi) minus the done ranges."""
    gaps, pos = [], lo
    for a, b in sorted(done):
        if b <= pos:
            continue
        if a > pos:
            gaps.append((pos, min(a, hi)))
        pos = max(pos, b)
        if pos >= hi:
            break
    if pos < hi:
        gaps.append((pos, hi))
    out = []
    for a, b in gaps:
        if a >= b:
            continue
        out.extend((s, min(s + chunk, b)) for s in range(a, b, chunk))
    return out
