"""Writing output files atomically: a temporary file in the same folder, fsync, rename.

A compile either replaces every output file or leaves every existing one untouched.
"""
from __future__ import annotations

import os
import tempfile


# Tests set NNCC_TEST_CRASH_AFTER_BYTES=K: the process writes K bytes of the first file's temporary
# and kills itself with SIGKILL, as a power cut or OOM kill would, to show the old output survives.
_CRASH_AFTER = int(os.environ["NNCC_TEST_CRASH_AFTER_BYTES"]) if \
    os.environ.get("NNCC_TEST_CRASH_AFTER_BYTES", "").isdigit() else None


def _crash(f, data: bytes) -> None:  # pragma: no cover - runs in a subprocess that it kills
    import signal

    f.write(data[:_CRASH_AFTER])
    f.flush()
    os.fsync(f.fileno())
    os.kill(os.getpid(), signal.SIGKILL)


def write_files(files: dict[str, bytes]) -> None:
    """Write all files; on any failure remove the temporaries and keep the old files."""
    temps: list[tuple[str, str]] = []
    try:
        for path, data in files.items():
            d = os.path.dirname(os.path.abspath(path))
            os.makedirs(d, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=d)
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as f:
                if _CRASH_AFTER is not None:  # fault injection for tests/test_atomic.py
                    _crash(f, data)
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            mode = 0o755 if data.startswith(b"#!") else 0o644
            os.chmod(tmp, mode)
        for tmp, path in temps:
            os.replace(tmp, path)
        temps = []
    finally:
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
