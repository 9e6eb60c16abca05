"""bench/RESULTS.md holds one marked section per benchmark; each benchmark rewrites only its own."""
from __future__ import annotations

from pathlib import Path

HEADER = "# Benchmark results\n\nOne section per benchmark in `bench/`.\n"


def markers(key: str) -> tuple[str, str]:
    return f"<!-- {key}:start -->", f"<!-- {key}:end -->"


def write_section(path: Path, key: str, section: str) -> None:
    """Replace the section between `key`'s markers (which `section` includes), or append it."""
    start, end = markers(key)
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    section = section.rstrip("\n")
    if start in text and end in text:
        a, b = text.index(start), text.index(end) + len(end)
        text = text[:a] + section + text[b:]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
