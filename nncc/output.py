"""Writing output files atomically: a temporary file in the same folder, then a rename.

A compile either replaces every output file or leaves every existing one untouched: a
reader sees the old file or the new one, never a part. The temporary is flushed to disk
before the rename only with `--fsync` (or NNCC_FSYNC=1), as compilers do (clang, rustc
and go write and rename without it); without it a power cut can lose the new file, and
on ext4, XFS and btrfs the rename over an old file still never exposes a partial one.

A killed compile leaves its temporary (.NAME.HOST.PID.XXXX.tmp); the next write of NAME on
that host removes those of processes that are gone.

A file's content is `bytes`, or a `Stream`: parts written in order, some of them drawn
only as they are written (a weight's values: nncc/weights.py Draw), so a 100 MB model
is written without being held in memory.
"""
from __future__ import annotations

import os
from collections import deque
from typing import Callable, Iterator, Protocol, Union


class Lazy(Protocol):
    """Bytes produced block by block (nncc.weights.Draw)."""
    nbytes: int

    @property
    def nblocks(self) -> int: ...

    def block(self, k: int): ...  # a buffer (numpy array) of block k


Part = Union[bytes, memoryview, Lazy]
_LOOKAHEAD = 8  # blocks in flight per worker thread


class Stream:
    """A file's content as parts: bytes-like objects and Lazy ones, drawn as they are written."""

    def __init__(self, parts: list[Part]):
        self.parts = parts
        self.size = sum(len(p) if isinstance(p, bytes) else p.nbytes for p in parts)

    def __len__(self) -> int:
        return self.size

    def startswith(self, prefix: bytes) -> bool:
        head = self.parts[0] if self.parts else b""
        return isinstance(head, bytes) and head.startswith(prefix)

    def chunks(self, workers: int | None = None) -> Iterator[bytes | memoryview]:
        """The content in order; Lazy blocks are drawn ahead in threads (numpy draws without the GIL)."""
        units: list = []
        lazy_bytes = 0
        for p in self.parts:
            if isinstance(p, (bytes, memoryview)):
                if len(p):
                    units.append(p)
            else:
                units += [(p, k) for k in range(p.nblocks)]
                lazy_bytes += p.nbytes
        if workers is None:
            workers = min(4, os.cpu_count() or 1) if lazy_bytes >= 1 << 22 else 0
        if workers <= 0:
            for u in units:
                yield u if not isinstance(u, tuple) else _view(u[0].block(u[1]))
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as ex:
            pending: deque = deque()
            it = iter(units)
            for u in it:
                pending.append(ex.submit(u[0].block, u[1]) if isinstance(u, tuple) else u)
                if len(pending) >= workers * _LOOKAHEAD:
                    break
            while pending:
                u = pending.popleft()
                yield u if isinstance(u, (bytes, memoryview)) else _view(u.result())
                nxt = next(it, None)
                if nxt is not None:
                    pending.append(ex.submit(nxt[0].block, nxt[1]) if isinstance(nxt, tuple) else nxt)

    def tobytes(self) -> bytes:
        return b"".join(self.chunks())

    def __bytes__(self) -> bytes:
        return self.tobytes()


def _view(a) -> memoryview:
    return memoryview(a).cast("B") if a.nbytes else memoryview(b"")


Content = Union[bytes, Stream]


def as_bytes(data: Content) -> bytes:
    return data if isinstance(data, bytes) else data.tobytes()


# Tests set NNCC_TEST_CRASH_AFTER_BYTES=K: the process writes K bytes of the first file's temporary
# and kills itself with SIGKILL, as a power cut or OOM kill would, to show the old output survives.
_CRASH_AFTER = int(os.environ["NNCC_TEST_CRASH_AFTER_BYTES"]) if \
    os.environ.get("NNCC_TEST_CRASH_AFTER_BYTES", "").isdigit() else None


def _crash(f, data: Content) -> None:  # pragma: no cover - runs in a subprocess that it kills
    import signal

    f.write(as_bytes(data)[:_CRASH_AFTER])
    f.flush()
    os.fsync(f.fileno())
    os.kill(os.getpid(), signal.SIGKILL)


def fsync_default() -> bool:
    return os.environ.get("NNCC_FSYNC", "").lower() in ("1", "true", "yes", "on")


_WRITEBACK = 8 << 20


def _write(f, chunks, fsync: bool, progress: Callable[[int], None] | None = None) -> None:
    """Write the chunks; with fsync, start the disk writes every 8 MB as the file is written
    (posix_fadvise DONTNEED starts writeback of a dirty range on Linux and drops only pages
    already clean), so the closing fsync waits for the last few MB, not the whole file."""
    fd = f.fileno()
    early = fsync and hasattr(os, "posix_fadvise")
    pos = last = 0
    for c in chunks:
        f.write(c)
        if progress is not None:
            progress(memoryview(c).nbytes)
        if early:
            pos += memoryview(c).nbytes
            if pos - last >= _WRITEBACK:
                f.flush()
                os.posix_fadvise(fd, last, pos - last, os.POSIX_FADV_DONTNEED)
                last = pos
    f.flush()
    if fsync:
        os.fsync(fd)


_HOST_MAX = 40
# what a temporary adds to NAME: "." NAME "." HOST "." PID "." 8 random characters ".tmp" (pids < 2^32)
TEMP_OVERHEAD = 1 + 1 + _HOST_MAX + 1 + 10 + 1 + 8 + 4


def _host() -> str:
    if hasattr(os, "uname"):  # the host name socket.gethostname() gives, without importing socket (~4 ms)
        name = os.uname().nodename
    else:  # pragma: no cover - Windows
        import socket

        name = socket.gethostname()
    return "".join(c if c.isascii() and c.isalnum() or c == "-" else "_" for c in name)[:_HOST_MAX] or "host"


def _temp_prefix(path: str, host: str, pid: int) -> str:
    return f".{os.path.basename(path)}.{host}.{pid}."


def _remove_stale_temps(path: str, host: str) -> list[str]:
    """Remove the temporaries that killed nncc processes on this host left next to `path`.

    A temporary is named .NAME.HOST.PID.XXXXXXXX.tmp; one whose process no longer exists
    was left by a kill (a failing compile removes its own). Temporaries of other hosts
    (a shared file system) and of live processes are left alone; a pid reused since only
    keeps a stale file a while longer.
    """
    d = os.path.dirname(os.path.abspath(path))
    head = f".{os.path.basename(path)}.{host}."
    removed: list[str] = []
    try:
        names = os.listdir(d)
    except OSError:
        return removed
    for n in names:
        if not (n.startswith(head) and n.endswith(".tmp")):
            continue
        pid = n[len(head):].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            os.unlink(os.path.join(d, n))
            removed.append(n)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or cannot tell: keep its file
    return True


def _umask() -> int:
    try:
        with open("/proc/self/status") as f:  # Linux: read without changing it
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def _mode(path: str, script: bool) -> int:
    """A replaced file keeps its mode; a new one gets 0666 (0777 for a script) less the umask."""
    import stat

    try:
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode)
    except OSError:
        pass
    return (0o777 if script else 0o666) & ~_umask()


def write_files(files: dict[str, Content], fsync: bool | None = None,
                progress: Callable[[int], None] | None = None) -> None:
    """Write all files; on any failure remove the temporaries and keep the old files.

    fsync: flush each file to disk before the renames (None: NNCC_FSYNC from the environment);
    progress: called with the number of bytes of each chunk written.
    """
    if fsync is None:
        fsync = fsync_default()
    import tempfile  # here, not at the top: `nncc lint` imports this module and never writes

    host, pid = _host(), os.getpid()
    temps: list[tuple[str, str]] = []
    current = ""
    try:
        for path, data in files.items():
            current = path
            d = os.path.dirname(os.path.abspath(path))
            os.makedirs(d, exist_ok=True)
            _remove_stale_temps(path, host)
            fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path, host, pid), suffix=".tmp", dir=d)
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as f:
                if _CRASH_AFTER is not None:  # fault injection for tests/test_atomic.py
                    _crash(f, data)
                _write(f, data.chunks() if isinstance(data, Stream) else [data], fsync, progress)
            os.chmod(tmp, _mode(path, data.startswith(b"#!")))
        for tmp, path in temps:
            current = path
            os.replace(tmp, path)
        temps = []
    except OSError as e:  # name the user's file, not the temporary next to it
        raise OSError(e.errno, f"cannot write ({e.strerror or e})", current) from None
    finally:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
