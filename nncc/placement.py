"""Where a compile's files go, and which existing files nncc may replace there.

One rule for every target (docs/outputs.md):
* the files go into a directory and are named after the model (`lenet5.onnx`,
  `lenet5.prototext` + `lenet5.sh`, `lenet5.conf` + `lenet5.hostfile` + `lenet5.sh`, …);
* no `-o`: the directory is `out/<target>/<model>/`; `-o DIR` names it (created if needed);
* `-o FILE` only for a target that writes one file (`Target.file_suffix`, ONNX: `-o NAME.onnx`),
  and `-o -` writes that file to standard output;
* an input (the model, the weights) is never written over, and a file nncc did not write
  (not in the directory's manifest, or changed since nncc wrote it) is not replaced
  without `--force`. The manifest, `.nncc-manifest.json`, records what nncc wrote there.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, TypeVar

from . import codes

MANIFEST = ".nncc-manifest.json"
DEFAULT_ROOT = "out"
C = TypeVar("C")


class Refused(Exception):
    """The output cannot go where it was asked to; a usage error (exit 2)."""

    def __init__(self, code: str, message: str, help: str = ""):
        super().__init__(message)
        self.code, self.message, self.help = code, message, help


@dataclass(frozen=True)
class Destination:
    """What `-o` asked for: a directory (None: the default), one file, or standard output."""
    kind: str  # "dir" | "file" | "stdout"
    path: str | None = None

    @property
    def stem(self) -> str | None:
        """The name `-o NAME.onnx` gives the files (None: the model's name)."""
        if self.kind != "file" or self.path is None:
            return None
        return os.path.splitext(os.path.basename(self.path))[0] or None


def destination(output: str | None, target: str, file_suffix: str) -> Destination:
    """Read `-o` for a target; `file_suffix` is the suffix of a single-file target's file, or ""."""
    if output is None:
        return Destination("dir")
    if output == "-":
        if not file_suffix:
            raise Refused(codes.BAD_OUTPUT_PATH, f"`-o -` writes one file to standard output, but target "
                          f"`{target}` writes several", "give a directory: -o DIR")
        return Destination("stdout")
    if output.endswith(("/", os.sep)) or os.path.isdir(output):
        return Destination("dir", output)
    if file_suffix and output.endswith(file_suffix):
        return Destination("file", output)
    if os.path.exists(output):
        raise Refused(codes.BAD_OUTPUT_PATH, f"-o {output}: exists and is not a directory",
                      f"target `{target}` writes its files into a directory" +
                      (f"; -o NAME{file_suffix} names its one file" if file_suffix else ""))
    base = os.path.basename(output)
    if "." in base.strip("."):
        raise Refused(codes.BAD_OUTPUT_PATH, f"-o {output}: looks like a file name, but target `{target}` "
                      "writes its files into a directory",
                      f"-o NAME{file_suffix} names its file" if file_suffix else
                      f"write -o {output}/ if you mean a directory of that name")
    return Destination("dir", output)


def place(files: Mapping[str, C], dest: Destination, target: str, model: str) -> dict[str, C]:
    """Map a target's file names (named after the model, or after `dest.stem`) to paths."""
    if dest.kind == "stdout":
        if len(files) != 1:
            raise Refused(codes.BAD_OUTPUT_PATH, "`-o -`: this model is written as several files "
                          f"({', '.join(files)})", "give a file or directory with -o")
        return dict(files)
    if dest.kind == "file":
        assert dest.path is not None
        folder = os.path.dirname(dest.path)
        return {os.path.join(folder, n): c for n, c in files.items()}
    folder = dest.path if dest.path is not None else os.path.join(DEFAULT_ROOT, target, model)
    return {os.path.join(folder, n): c for n, c in files.items()}


def _same(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _read_manifest(folder: str) -> dict[str, dict]:
    import json  # here, not at the top: `nncc lint` imports this module and never reads a manifest

    try:
        with open(os.path.join(folder or ".", MANIFEST), encoding="utf-8") as f:
            data = json.load(f)
        files = data.get("files", {}) if isinstance(data, dict) else {}
        return files if isinstance(files, dict) else {}
    except (OSError, ValueError):
        return {}


def _stamp(path: str) -> dict[str, int]:
    st = os.stat(path)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def not_an_input(paths: list[str], inputs: list[str]) -> None:
    """Refuse any path that is one of the inputs (E602), whatever --force says."""
    for p in paths:
        for i in inputs:
            if os.path.exists(p) and os.path.exists(i) and _same(p, i):
                raise Refused(codes.OUTPUT_IS_INPUT, f"refusing to write {p}: it is an input of this compile ({i})",
                              "choose another -o")


def check(paths: list[str], inputs: list[str], force: bool, origin: dict[str, str]) -> None:
    """Refuse to write over an input, or (without force) over a file nncc did not write.

    `origin` says what is being compiled ({"model": path, "target": name}); a file nncc wrote
    for another model or target is not replaced without force either.
    """
    not_an_input(paths, inputs)
    if force:
        return
    for p in paths:
        if not os.path.lexists(p):
            continue
        entry = _read_manifest(os.path.dirname(p)).get(os.path.basename(p))
        if entry is None:
            raise Refused(codes.NOT_OURS, f"refusing to replace {p}: nncc did not write it",
                          "choose another -o, or add --force to replace it")
        try:
            changed = {"size": entry.get("size"), "mtime_ns": entry.get("mtime_ns")} != _stamp(p)
        except OSError:
            changed = True
        if changed:
            raise Refused(codes.NOT_OURS, f"refusing to replace {p}: it changed since nncc wrote it",
                          "keep your edits under another name, or add --force to replace it")
        theirs = {k: entry.get(k) for k in origin}
        if theirs != origin:
            raise Refused(codes.NOT_OURS, f"refusing to replace {p}: nncc wrote it from {entry.get('model')} "
                          f"for target {entry.get('target')}",
                          "write this compile into another directory (-o DIR), or add --force")


def record(paths: list[str], origin: dict[str, str]) -> None:
    """Add the files just written to their directories' manifests (written atomically)."""
    import json

    from .output import write_files

    by_dir: dict[str, list[str]] = {}
    for p in paths:
        by_dir.setdefault(os.path.dirname(p), []).append(p)
    for folder, ps in by_dir.items():
        files = _read_manifest(folder)
        for p in ps:
            files[os.path.basename(p)] = {**origin, **_stamp(p)}
        text = json.dumps({"written-by": "nncc", "files": dict(sorted(files.items()))}, indent=1) + "\n"
        write_files({os.path.join(folder, MANIFEST): text.encode()})
