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


def rounds_main(key: str, doc: str, run, render, rounds: int, iters: int = 5) -> None:
    """The command line of a benchmark measured in rounds of iterations: print its section of
    RESULTS.md and write it there (unless --no-write)."""
    import argparse

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--iters", type=int, default=iters)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "RESULTS.md"))
    ap.add_argument("--no-write", action="store_true", help="print the section only")
    args = ap.parse_args()
    section = render(run(args.rounds, args.iters))
    print(section)
    if not args.no_write:
        write_section(Path(args.out), key, section)
