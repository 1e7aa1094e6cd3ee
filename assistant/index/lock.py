"""The writer lock of an index folder: one writer at a time across processes; readers never take it.

Two ``sitrep ingest`` runs on one index used to interleave their Chroma and SQLite writes and lose vectors.
Every writer (ingest, remove) holds this lock for its whole run; a second writer says once on stderr that it
waits, and gives up with IndexLockedError after ``ingest.lock_timeout_s`` seconds.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.errors import IndexLockedError

LOCK_NAME = "write.lock"


@contextmanager
def write_lock(index_dir: Path, timeout_s: float) -> Iterator[None]:
    """Hold the writer lock of ``index_dir`` (created if needed) for the duration of the block."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / LOCK_NAME))
    try:
        lock.acquire(blocking=False)
    except Timeout:
        if timeout_s <= 0:
            raise _locked(index_dir, timeout_s) from None
        print(f"waiting for another writer on {index_dir}…", file=sys.stderr, flush=True)
        try:
            lock.acquire(timeout=timeout_s)
        except Timeout:
            raise _locked(index_dir, timeout_s) from None
    try:
        yield
    finally:
        lock.release()


def _locked(index_dir: Path, timeout_s: float) -> IndexLockedError:
    return IndexLockedError(
        f"another process is writing to the index {index_dir}; gave up after {timeout_s:g}s "
        f"(wait for it to finish, or raise SITREP_INGEST__LOCK_TIMEOUT_S)"
    )
