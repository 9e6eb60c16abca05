"""Writing output files atomically: a temporary file in the same folder, fsync, rename.

A compile either replaces every output file or leaves every existing one untouched.
"""
from __future__ import annotations

import os
import tempfile


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
