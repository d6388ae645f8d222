"""Where chunks run: in-process, a local process pool, or a Dask cluster.

Each executor maps a picklable module-level function over jobs and yields ``(job, result)`` as
soon as each finishes (completion order). Worker processes keep BLAS single-threaded
(OMP_NUM_THREADS=1 etc. are set before they import numpy).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os

from theory.errors import InvalidInput

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def _single_threaded_env():
    old = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update({k: "1" for k in _THREAD_VARS})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class SerialExecutor:
    """Runs jobs one after the other in this process."""

    name = "serial"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def run(self, fn, jobs):
        """Yield ``(job, fn(job))`` for each job, in order, in this process."""
        for job in jobs:
            yield job, fn(job)


class ProcessExecutor:
    """A pool of ``workers`` processes.

    Phase 2 uses elementwise numpy only (no BLAS calls), so by default workers are forked (fast,
    no re-import of ``__main__``). Work that calls BLAS (training under ``retrain``) asks for
    ``fresh=True``: spawned workers that import numpy with OMP_NUM_THREADS=1 etc. already set.
    """

    name = "processes"

    def __init__(self, workers: int, fresh: bool = False):
        self.workers = workers
        self.fresh = fresh
        self._pool = None

    def __enter__(self):
        with _single_threaded_env():
            self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=_context(self.fresh))
            # Start the workers while the environment says single-threaded.
            list(self._pool.map(_noop, range(self.workers)))
        return self

    def __exit__(self, *exc):
        self._pool.shutdown(wait=True, cancel_futures=True)
        return False

    def run(self, fn, jobs):
        """Submit every job to the process pool and yield ``(job, result)`` in completion order;
        unfinished jobs are cancelled if the caller stops early or a job raises.
        """
        futures = {self._pool.submit(fn, job): job for job in jobs}
        try:
            for fut in cf.as_completed(futures):
                yield futures[fut], fut.result()
        finally:
            for fut in futures:
                fut.cancel()


class DaskExecutor:
    """Jobs on a Dask cluster at ``address`` (``pip install semiflat[distributed]``)."""

    name = "dask"

    def __init__(self, address: str):
        try:
            from dask.distributed import Client
        except ModuleNotFoundError:
            raise InvalidInput(
                f"--scheduler {address}: dask.distributed is not installed; install the extra "
                "'distributed' (pip install dask[distributed]) or drop --scheduler"
            ) from None
        self._client_cls = Client
        self.address = address
        self._client = None

    def __enter__(self):
        try:
            self._client = self._client_cls(self.address, timeout="20s")
        except (OSError, ValueError, TypeError) as exc:
            raise InvalidInput(f"--scheduler {self.address}: cannot connect ({exc}); check the address") from None
        return self

    def __exit__(self, *exc):
        self._client.close()
        return False

    def run(self, fn, jobs):
        """Map ``fn`` over the jobs on the Dask cluster and yield ``(job, result)`` in completion order;
        the futures are cancelled when the caller stops early or a job raises.
        """
        from dask.distributed import as_completed

        jobs = list(jobs)
        futures = self._client.map(fn, jobs, pure=False)
        index = {f.key: j for f, j in zip(futures, jobs)}
        try:
            for fut in as_completed(futures):
                yield index[fut.key], fut.result()
        finally:
            self._client.cancel(futures)


def make_executor(workers: int, scheduler: str | None, fresh: bool = False):
    """Dask when ``scheduler`` is given, else serial (1 worker) or a process pool."""
    if scheduler:
        return DaskExecutor(scheduler)
    if workers < 1:
        raise InvalidInput(f"--workers {workers}: expected at least 1")
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers, fresh=fresh)


def _context(fresh: bool):
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and not fresh else "spawn")


def _noop(_):
    return None
