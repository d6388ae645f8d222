"""Atomic file output: nothing partial is ever left under the final name (used by every writer)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path

from theory.errors import InvalidInput


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp, path) -> None:
    """Give the temporary file ordinary permissions (mkstemp makes it 0600), then rename it."""
    os.chmod(tmp, (stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH) & ~_umask())
    os.replace(tmp, path)


def write_atomic(path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    folder = _existing_folder(path)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = _temporary(path, folder, ".part")
    with _removed_on_failure(tmp, path):
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _publish(tmp, path)


def _existing_folder(path: Path) -> Path:
    """The folder ``path`` is to be written in; refused when it does not exist."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidInput(f"cannot write {path}: folder {folder} does not exist; create it first or pick another path")
    return folder


@contextlib.contextmanager
def _removed_on_failure(tmp, path):
    """Remove the temporary file ``tmp`` when the block fails; an ``OSError`` becomes one
    :class:`InvalidInput` naming ``path``, anything else is raised again."""
    try:
        yield
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}; pick another path") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _temporary(path: Path, folder: Path, suffix: str):
    """A new hidden temporary file next to ``path`` (its name kept short: a final name near the
    255-byte limit must not make the temporary name too long)."""
    try:
        return tempfile.mkstemp(prefix=f".{path.name[:32]}.", suffix=suffix, dir=folder)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}; pick another path") from None


@contextlib.contextmanager
def staged_folder(folder, staging):
    """Yield the empty folder ``staging`` to write a set of files into; on success every file in
    it is moved (``os.replace``) to the same name in ``folder``, so no final name appears before
    the whole set is written. ``staging`` is removed in every case but a hard kill (callers keep
    it inside a folder that is cleaned on the next run)."""
    folder, staging = Path(folder), Path(staging)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
        for item in sorted(staging.iterdir()):
            os.replace(item, folder / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path to write (e.g. by matplotlib); moved to ``path`` only on success."""
    path = Path(path)
    fd, tmp = _temporary(path, _existing_folder(path), path.suffix[:16])
    os.close(fd)
    with _removed_on_failure(tmp, path):
        yield Path(tmp)
        _publish(tmp, path)
