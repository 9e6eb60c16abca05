#!/usr/bin/env python3
"""Generate the Python protobuf modules of the back-end schemas.

Each ``targets/<target>/<name>.proto`` is compiled with grpcio-tools'
bundled protoc into ``targets/<target>/<name>_pb2.py``, which is committed so
that the runtime only needs the ``protobuf`` package, and its type stub
``<name>_pb2.pyi``, through which mypy checks the emitters' use of the messages.

The installed package maps ``targets/`` to ``nncc.targets``, so the schemas
are compiled as ``nncc/targets/<target>/<name>.proto``: that is the name they
get in protobuf's descriptor pool (unique, no clash with other copies of the
same back ends' schemas) and the module path any cross-file import would use.

Usage (from the repository root or anywhere):

    .venv/bin/python tools/gen_protos.py            # regenerate in place
    .venv/bin/python tools/gen_protos.py --check    # exit 1 if out of date
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS_DIR = REPO / "targets"
TARGETS = ("lbann", "singa", "smaug")
PACKAGE_PATH = Path("nncc") / "targets"
NOQA = "# ruff: noqa"


def proto_files() -> list[Path]:
    """All schema files, in a stable order."""
    return sorted(p for t in TARGETS for p in (TARGETS_DIR / t).glob("*.proto"))


def generate() -> dict[Path, str]:
    """Compile every schema; return {committed path of the _pb2.py and _pb2.pyi: text}."""
    from grpc_tools import protoc

    well_known = str(resources.files("grpc_tools") / "_proto")
    outputs: dict[Path, str] = {}
    with tempfile.TemporaryDirectory(prefix="nncc-protos-") as tmp:
        root = Path(tmp)
        staged = []
        for src in proto_files():
            rel = PACKAGE_PATH / src.parent.name / src.name
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, root / rel)
            staged.append((src, rel))
        for src, rel in staged:
            args = [
                "grpc_tools.protoc",
                f"--proto_path={root}",
                f"--proto_path={well_known}",
                f"--python_out={root}",
                f"--pyi_out={root}",
                rel.as_posix(),
            ]
            if protoc.main(args) != 0:
                raise RuntimeError(f"protoc failed on {src}")
            for suffix in ("_pb2.py", "_pb2.pyi"):
                generated = root / rel.with_name(rel.stem + suffix)
                outputs[src.with_name(src.stem + suffix)] = _mark_generated(
                    generated.read_text(encoding="utf-8")
                )
    return outputs


def _mark_generated(text: str) -> str:
    """Keep linters off protoc's output (it is not written to their taste)."""
    first, sep, rest = text.partition("\n")
    if first.startswith("# -*- coding"):
        return f"{first}{sep}{NOQA}\n{rest}"
    return f"{NOQA}\n{text}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if a committed _pb2.py or _pb2.pyi differs",
    )
    args = parser.parse_args(argv)

    stale = []
    for path, text in generate().items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        stale.append(path)
        if args.check:
            diff = difflib.unified_diff(
                (old or "").splitlines(keepends=True),
                text.splitlines(keepends=True),
                str(path.relative_to(REPO)) + " (committed)",
                str(path.relative_to(REPO)) + " (regenerated)",
            )
            sys.stdout.writelines(list(diff)[:40])
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")

    if args.check and stale:
        print(f"{len(stale)} generated module(s) out of date; "
              "run tools/gen_protos.py", file=sys.stderr)
        return 1
    if not stale:
        print("generated modules up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
