"""The resumable partial store under ``DIR/.partial``: run options, trained bases, chunk files.

Every file is written atomically (temporary file + ``os.replace``), so a run killed at any
moment leaves only complete chunks; ``--resume`` reads which trials are done from the chunk
file names and computes only the rest (whatever the new chunk size).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np

from numerics.io.atomic import write_atomic
from numerics.experiment.base import BaseNetwork
from theory.errors import InvalidInput

_CHUNK = re.compile(r"^chunk_(?P<act>[a-z]+)_(?P<lo>\d+)_(?P<hi>\d+)\.npz$")


class PartialStore:
    """Files of one (possibly interrupted) run in ``folder``."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def start(self, run_key: dict, resume: bool, force: bool = False) -> None:
        """Begin a run: with ``resume`` keep matching progress (refuse a mismatch, naming the
        options that differ); without it, an interrupted run's progress is discarded only with
        ``force`` (otherwise refused, so no computed trial is lost silently)."""
        key_path = self.folder / "run.json"
        if self.folder.exists() and not self.folder.is_dir():
            raise InvalidInput(f"{self.folder} is a file, not the partial state of a run; remove it or use "
                               "another --out")
        if self.folder.exists() and not resume:
            if self.has_progress() and not force:
                raise InvalidInput(
                    f"{self.folder.parent} holds an interrupted run ({self.folder.name}); continue it with "
                    "--resume, or pass --force to discard it and start over"
                )
            shutil.rmtree(self.folder)
        if resume and key_path.exists():
            old = self._read_key(key_path)
            if old != run_key:
                diff = _differences(old, run_key)
                raise InvalidInput(
                    f"--resume: {self.folder.parent} holds an interrupted run with different options "
                    f"({', '.join(diff[:8])}); give the same options, rerun without --resume and with --force to start over, "
                    "or use another --out"
                )
            self._check_chunks()
            return
        if resume and self.folder.exists():
            shutil.rmtree(self.folder)  # progress without its options cannot be trusted
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(key_path, json.dumps(run_key, sort_keys=True).encode())

    def _check_chunks(self) -> None:
        """Refuse to resume from a damaged chunk file before computing anything new."""
        for p in sorted(self.folder.glob("chunk_*.npz")):
            try:
                with np.load(p) as z:
                    for k in z.files:
                        z[k]
            except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
                raise InvalidInput(f"--resume: {p} is damaged ({str(exc)[:80]}); rerun without --resume and "
                                   "with --force to start over") from None

    def has_progress(self) -> bool:
        """Whether the store holds computed work (a trained base or a chunk)."""
        return self.folder.is_dir() and (any(self.folder.glob("chunk_*.npz")) or any(self.folder.glob("base_*.json")))

    def _read_key(self, key_path: Path) -> dict:
        try:
            old = json.loads(key_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, OSError, RecursionError, ValueError):
            old = None
        if not isinstance(old, dict):
            raise InvalidInput(f"--resume: {key_path} is damaged (not the JSON options of a run); "
                               "rerun with --force to start over")
        return old

    def discard(self) -> None:
        """Remove the store once the run's final files are written (nothing is left to resume)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def load_base(self, activation: str) -> BaseNetwork | None:
        """The trained base network of ``activation`` saved by an interrupted run, or None if there is none.

        Raises ``InvalidInput`` if the file is damaged: any edit, even one that still parses, changes its
        SHA-256 and is refused.
        """
        path = self.folder / f"base_{activation}.json"
        if not path.exists():
            return None
        damaged = InvalidInput(f"--resume: {path} is damaged; rerun without --resume and with --force to start over")
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            record = stored["record"]
            if stored["sha256"] != _digest(record):  # any change, even one that still parses
                raise damaged
            return BaseNetwork.from_record(record)
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, IndexError, RecursionError, OSError):
            raise damaged from None

    def save_base(self, base: BaseNetwork) -> None:
        """The trained base with the SHA-256 of its record, so a resumed run never trusts a file
        that was changed after it was written."""
        record = base.to_record()
        write_atomic(self.folder / f"base_{base.activation}.json",
                     json.dumps({"sha256": _digest(record), "record": record}).encode())

    def done_ranges(self, activation: str) -> list[tuple[int, int]]:
        """The trial ranges ``(lo, hi)`` of ``activation`` whose chunk files are already stored, sorted."""
        out = []
        for p in self.folder.glob(f"chunk_{activation}_*.npz"):
            m = _CHUNK.match(p.name)
            if m and m["act"] == activation:
                out.append((int(m["lo"]), int(m["hi"])))
        return sorted(out)

    def save_chunk(self, activation: str, lo: int, hi: int, arrays: dict) -> None:
        """Store the per-trial ``arrays`` of trials ``lo .. hi - 1`` of ``activation`` as one ``.npz`` file,
        written atomically (a chunk is either complete or absent).
        """
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
            try:
                with np.load(self.folder / f"chunk_{activation}_{a}_{b}.npz") as z:
                    arrays = {k: z[k] for k in z.files}
            except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
                raise InvalidInput(f"--resume: {self.folder}/chunk_{activation}_{a}_{b}.npz is damaged ({exc}); "
                                   "rerun with --force to start over") from None
            s, e = covered - a, min(b, hi) - a
            parts.append({k: v[s:e] for k, v in arrays.items()})
            covered = min(b, hi)
        if covered < hi:
            raise InvalidInput(f"{self.folder}: trials {covered}..{hi - 1} of {activation} are missing")
        return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}


def _digest(record) -> str:
    import hashlib  # deferred: this module loads with every `semiflat` command; hashing is for --resume only

    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    """The option names whose values differ between two run keys (nested keys joined by dots;
    the options of the experiment are named as their command-line flags)."""
    out = []
    for k in sorted(set(old) | set(new), key=str):
        a, b = old.get(k), new.get(k)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, "" if k == "config" else f"{prefix}{k}.")
        else:
            name = f"{prefix}{k}"
            shown = "--" + name.replace("_", "-") if "." not in name else name
            out.append(f"{shown} {_short(a)} then, now {_short(b)}")
    return out


def _short(value) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 30 else text[:27] + "..."


class OutputLock:
    """An exclusive lock on an output folder, held by one process (``DIR/.lock`` holds its pid).

    The lock is an ``flock`` on that file, so the kernel releases it when the holder dies (even
    by SIGKILL): a lock file left by a dead process is taken over, never obeyed. A second run on
    the same folder is refused with "DIR is in use by pid N". The file is removed on release."""

    NAME = ".lock"

    def __init__(self, folder):
        self.folder = Path(folder)
        self.path = self.folder / self.NAME
        self._fd = None

    def acquire(self) -> None:
        """Take the lock and write this process's pid into the lock file.

        Raises ``InvalidInput`` naming the holder's pid if another live process holds it; a lock file
        left by a dead process is taken over.
        """
        # deferred: POSIX only
        import fcntl

        for _ in range(20):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise InvalidInput(f"{self.folder} is in use by pid {pid} (another semiflat run writes there); "
                                   "wait for it to finish or pick another --out") from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a file its previous holder unlinked while we waited
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return
            os.close(fd)
        raise InvalidInput(f"{self.folder}: could not lock the folder; retry")

    def release(self) -> None:
        """Remove the lock file and release the lock (a no-op if it is not held)."""
        if self._fd is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
        return False


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
