"""Lint configuration: `[tool.nncc]` in pyproject.toml, or a `.nncc.toml` file.

Found by walking up from the current directory; the first directory holding a
`.nncc.toml`, or a `pyproject.toml` with a `[tool.nncc]` table, wins (`.nncc.toml`
first). Paths in `per-file-ignores` and `exclude` are globs relative to that
directory.

    [tool.nncc]
    select = ["E", "W"]            # code prefixes to report (default: all)
    ignore = ["W111"]              # code prefixes to drop
    targets = ["onnx", "lbann"]    # what `nncc check` compiles for by default
    exclude = ["vendor/**"]        # paths lint skips when walking directories
    max-weight-bytes = 536870912   # W112's limit
    [tool.nncc.per-file-ignores]
    "experiments/*.yaml" = ["W1"]
"""
from __future__ import annotations

import fnmatch
import os
import sys
from typing import Any

from ..record import Record
from .rules import DEFAULT_MAX_WEIGHT_BYTES


class ConfigError(Exception):
    """A configuration file that cannot be used (usage error, exit 2)."""


class LintConfig(Record):
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    per_file_ignores: dict[str, tuple[str, ...]]
    targets: tuple[str, ...]
    exclude: tuple[str, ...]
    max_weight_bytes: int
    root: str  # directory the config was found in
    source: str | None  # the config file
    __slots__ = ("select", "ignore", "per_file_ignores", "targets", "exclude", "max_weight_bytes", "root", "source")

    def __init__(self, select: tuple[str, ...] = ("E", "W"), ignore: tuple[str, ...] = (),
                 per_file_ignores: dict[str, tuple[str, ...]] | None = None, targets: tuple[str, ...] = (),
                 exclude: tuple[str, ...] = (), max_weight_bytes: int = DEFAULT_MAX_WEIGHT_BYTES, root: str = ".",
                 source: str | None = None) -> None:
        self.select = select
        self.ignore = ignore
        self.per_file_ignores = {} if per_file_ignores is None else per_file_ignores
        self.targets = targets
        self.exclude = exclude
        self.max_weight_bytes = max_weight_bytes
        self.root = root
        self.source = source

    def enabled(self, code: str, path: str | None = None) -> bool:
        if not any(code.startswith(p) for p in self.select):
            return False
        if any(code.startswith(p) for p in self.ignore):
            return False
        if path is not None and self.per_file_ignores:
            rel = self.relpath(path)
            for pat, codes in self.per_file_ignores.items():
                if _match(rel, pat) and any(code.startswith(p) for p in codes):
                    return False
        return True

    def relpath(self, path: str) -> str:
        try:
            rel = os.path.relpath(os.path.abspath(path), os.path.abspath(self.root))
        except ValueError:  # another drive on Windows
            rel = path
        return rel.replace(os.sep, "/")

    def excluded(self, path: str) -> bool:
        rel = self.relpath(path)
        return any(_match(rel, pat) for pat in self.exclude)


def _match(rel: str, pat: str) -> bool:
    pat = pat.replace(os.sep, "/")
    if fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(os.path.basename(rel), pat):
        return True
    return pat.endswith("/**") and (rel + "/").startswith(pat[:-2])


def _mentions_nncc(path: str) -> bool:
    """Whether a pyproject.toml can hold a [tool.nncc] table at all: most are other projects' files, and
    reading TOML (importing tomllib) costs more than the rest of a small `nncc lint`."""
    try:
        with open(path, "rb") as f:
            return b"nncc" in f.read()
    except OSError:
        return True  # let the TOML reader report it


def _load_toml(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None


def _codes(v: Any, key: str, path: str) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConfigError(f"{path}: `{key}` must be a list of rule codes or prefixes, e.g. [\"W101\", \"E\"]")
    out = []
    for x in v:
        x = x.strip().upper()
        if x in ("ALL", ""):
            x = ""
        elif not (x[0] in "EW" and (x[1:].isdigit() or not x[1:]) and len(x) <= 4):
            raise ConfigError(f"{path}: `{key}`: {x!r} is not a rule code or prefix (E…, W1…, W101)")
        out.append(x)
    return tuple(out)


def from_table(t: dict[str, Any], path: str, root: str) -> LintConfig:
    cfg = LintConfig(root=root, source=path)
    known = {"select", "ignore", "per-file-ignores", "targets", "exclude", "max-weight-bytes"}
    for k, v in t.items():
        key = k.replace("_", "-")
        if key not in known:
            from ..diagnostics import did_you_mean

            guess = did_you_mean(key, known)
            raise ConfigError(f"{path}: unknown key `{k}`" + (f"; did you mean `{guess}`?" if guess else
                                                             f"; keys: {', '.join(sorted(known))}"))
        if key == "select":
            cfg.select = _codes(v, k, path)
        elif key == "ignore":
            cfg.ignore = _codes(v, k, path)
        elif key == "per-file-ignores":
            if not isinstance(v, dict):
                raise ConfigError(f"{path}: `per-file-ignores` must be a table of glob = [codes]")
            cfg.per_file_ignores = {str(p): _codes(c, f"per-file-ignores.{p}", path) for p, c in v.items()}
        elif key == "targets":
            if isinstance(v, str):
                v = [x.strip() for x in v.split(",") if x.strip()]
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise ConfigError(f"{path}: `targets` must be a list of target names")
            cfg.targets = tuple(v)
        elif key == "exclude":
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise ConfigError(f"{path}: `exclude` must be a list of globs")
            cfg.exclude = tuple(v)
        elif key == "max-weight-bytes":
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise ConfigError(f"{path}: `max-weight-bytes` must be a positive integer")
            cfg.max_weight_bytes = v
    return cfg


def load(path: str) -> LintConfig:
    """Read an explicit config file (`--config`): a .nncc.toml, or a pyproject.toml's [tool.nncc]."""
    data = _load_toml(path)
    root = os.path.dirname(os.path.abspath(path))
    if os.path.basename(path) == "pyproject.toml":
        data = data.get("tool", {}).get("nncc", {})
    else:
        data = data.get("tool", {}).get("nncc", data) if "tool" in data else data
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.nncc] must be a table")
    return from_table(data, path, root)


def discover(start: str | None = None) -> LintConfig:
    d = os.path.abspath(start or os.getcwd())
    while True:
        dot = os.path.join(d, ".nncc.toml")
        if os.path.isfile(dot):
            return load(dot)
        pp = os.path.join(d, "pyproject.toml")
        if os.path.isfile(pp) and _mentions_nncc(pp):
            data = _load_toml(pp)
            t = data.get("tool", {}).get("nncc")
            if isinstance(t, dict):
                return from_table(t, pp, d)
        parent = os.path.dirname(d)
        if parent == d:
            return LintConfig(root=os.path.abspath(start or os.getcwd()))
        d = parent
