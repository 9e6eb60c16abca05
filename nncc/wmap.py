"""Which array of a weights file is which weight of the model.

In order of preference: an explicit map file (`--weights-map`: YAML, `file_name: model_name`);
the model's names (`nncc weights MODEL` lists them), or a weight's nncc 0.1 name (W503);
else the structure — the model's weights in order against the file's arrays in order, each
weight taking the next array of its shape (PyTorch's state_dict and torch's ONNX export keep
the order in which the layers were written). A structural map is reported, so it can be checked
and saved as a map file.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from . import codes
from .diagnostics import CompileError, Diagnostic
from .ir import Weight

SHOW = 10  # missing weights or unused arrays named one by one; the rest are counted


@dataclass
class Assignment:
    """model name -> file name, how it was found, and what is left on each side."""
    by: str  # "names", "map", "structure"
    pairs: dict[str, str] = field(default_factory=dict)
    legacy: list[str] = field(default_factory=list)  # model names found under their nncc 0.1 name
    missing: list[Weight] = field(default_factory=list)  # weights without an array
    unused: list[str] = field(default_factory=list)  # arrays no weight took
    mismatched: list[tuple[Weight, str]] = field(default_factory=list)  # named alike, shaped otherwise
    warnings: list[Diagnostic] = field(default_factory=list)  # W503: arrays found under nncc 0.1 names


def read_map(path: str) -> dict[str, str]:
    """A map file: a YAML mapping from the file's array names to the model's weight names."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except (OSError, UnicodeError, yaml.YAMLError) as e:
        raise CompileError([Diagnostic(codes.BAD_WEIGHTS, f"cannot read weights map `{path}`: {e}", None)]) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise CompileError([Diagnostic(codes.BAD_WEIGHTS, f"weights map `{path}` is not a mapping of names", None,
                                       "write one `file_name: model_name` per line")])
    return data


def _shape(a: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in a.shape)


def _wshape(w: Weight) -> tuple[int, ...]:
    return tuple(int(d) for d in w.ttype.shape)


def assign(weights: list[Weight], arrays: dict[str, Any], mapping: dict[str, str] | None = None) -> Assignment:
    """Pair each weight with an array: by `mapping`, by name, or by structure (see the module doc)."""
    if mapping is not None:
        a = Assignment("map")
        targets = {m: f for f, m in mapping.items() if f in arrays}
        for w in weights:
            if w.name in targets:
                _take(a, w, targets[w.name], arrays)
            else:
                a.missing.append(w)
        used = set(a.pairs.values()) | {f for _, f in a.mismatched}
        a.unused = [f for f in arrays if f not in used]
        return a
    named = _by_name(weights, arrays)
    if not named.missing and not named.mismatched:
        return named
    struct = by_structure(weights, arrays)
    # the file's names are another model's (PyTorch's): its structure, if it gives every weight an
    # array, or if no name matched at all
    if (not struct.missing and len(named.pairs) * 2 < len(weights)) or (not named.pairs and struct.pairs):
        return struct
    return named


def _take(a: Assignment, w: Weight, f: str, arrays: dict[str, Any]) -> None:
    if _shape(arrays[f]) == _wshape(w):
        a.pairs[w.name] = f
    else:
        a.mismatched.append((w, f))


def _by_name(weights: list[Weight], arrays: dict[str, Any]) -> Assignment:
    a = Assignment("names")
    for w in weights:
        if w.name in arrays:
            _take(a, w, w.name, arrays)
        elif w.legacy is not None and w.legacy in arrays:
            _take(a, w, w.legacy, arrays)
            a.legacy.append(w.name)
        else:
            a.missing.append(w)
    used = set(a.pairs.values()) | {f for _, f in a.mismatched}
    a.unused = [f for f in arrays if f not in used]
    return a


def by_structure(weights: list[Weight], arrays: dict[str, Any]) -> Assignment:
    """Each weight, in the model's order, takes the next array of its shape in the file's order;
    arrays passed over (a PyTorch batch norm's num_batches_tracked) are left unused."""
    a = Assignment("structure")
    names = list(arrays)
    j = 0
    for w in weights:
        k = j
        while k < len(names) and _shape(arrays[names[k]]) != _wshape(w):
            k += 1
        if k == len(names):
            a.missing.append(w)
            continue
        a.pairs[w.name] = names[k]
        j = k + 1
    used = set(a.pairs.values())
    a.unused = [f for f in names if f not in used]
    return a


def suggest(w: Weight, candidates: list[str], arrays: dict[str, Any]) -> str:
    """A help line for a missing weight: the unused arrays of its shape, closest name first."""
    same = [c for c in candidates if c in arrays and _shape(arrays[c]) == _wshape(w)]
    if same:
        best = sorted(same, key=lambda c: -difflib.SequenceMatcher(None, w.name, c).ratio())[:3]
        return "arrays of its shape that no weight took: " + ", ".join(f"`{c}`" for c in best)
    return f"no unused array has shape {list(_wshape(w))}; `nncc weights MODEL --from FILE` shows the whole map"


def problems(a: Assignment, arrays: dict[str, Any], path: str, partial: bool) -> list[Diagnostic]:
    """E503 for each weight without an array (unless partial) and each array left over (unless
    partial); at most SHOW of each kind by name."""
    diags = []
    if not partial:
        for w in a.missing[:SHOW]:
            diags.append(Diagnostic(codes.BAD_WEIGHTS, f"weights file has no array for `{w.name}` ({w.type})", None,
                                    suggest(w, a.unused, arrays)))
        for w, f in a.mismatched[:SHOW]:
            diags.append(Diagnostic(codes.BAD_WEIGHTS, f"array `{f}` has shape {list(_shape(arrays[f]))}, the model "
                                    f"needs {list(_wshape(w))}" + (f" for `{w.name}`" if f != w.name else ""), None,
                                    "--weights-partial draws the weights whose arrays do not fit"))
        more = len(a.missing) + len(a.mismatched) - min(SHOW, len(a.missing)) - min(SHOW, len(a.mismatched))
        if more:
            diags.append(Diagnostic(codes.BAD_WEIGHTS, f"and {more:,} more weights without a fitting array", None,
                                    "`nncc weights MODEL` lists the model's names; `--from FILE` shows the map"))
        # a 0-d integer is a counter (PyTorch batch norm's num_batches_tracked), not a weight: left quietly
        unused = [f for f in a.unused if f not in arrays or not (_shape(arrays[f]) == () and
                                                                  arrays[f].dtype.kind in "iu")]
        if unused:
            shown = ", ".join(f"`{e}`" for e in unused[:SHOW])
            more_s = f" and {len(unused) - SHOW:,} more" if len(unused) > SHOW else ""
            diags.append(Diagnostic(codes.BAD_WEIGHTS, f"weights file has {len(unused):,} array"
                                    f"{'s' if len(unused) != 1 else ''} that the model does not use: {shown}{more_s}",
                                    None, "remove them, map them with --weights-map, or load with --weights-partial"))
    for m in a.legacy[:SHOW]:
        diags.append(Diagnostic(codes.OLD_WEIGHT_NAME, f"array `{a.pairs.get(m, '?')}` has the nncc 0.1 name of "
                                f"`{m}`; loaded", None, f"nncc 0.1 names are read until nncc 0.3; rename it "
                                f"(`nncc weights MODEL --from {path} --write NEW.npz` does)"))
    if len(a.legacy) > SHOW:
        diags.append(Diagnostic(codes.OLD_WEIGHT_NAME, f"and {len(a.legacy) - SHOW:,} more arrays under nncc 0.1 "
                                "names", None))
    return diags
