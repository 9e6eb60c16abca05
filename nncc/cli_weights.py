"""`nncc weights MODEL`: the model's weights by name (shape, dtype, initializer, op, line), and how
a weights file's arrays pair with them (`--from FILE`), saved under the model's names (`--write`).
The `--weights*` options of `nncc compile` are here too, with the notes that say what was loaded.
"""
from __future__ import annotations

import json
import os
from typing import Any, Callable

import click

from .cliutil import limit_options, verbosity_options
from .cmdline import defines, detail, guard, note, report, stdin_model


def weights_options(f: Callable) -> Callable:
    """--weights FILE, --weights-map MAP, --weights-partial: the same on every command that loads weights."""
    for opt in reversed([
        click.option("--weights", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="load weights from a file: .npz, .safetensors, .pt/.pth (a PyTorch state_dict) or "
                          ".onnx (its initializers); `nncc weights MODEL --from FILE` shows how they pair"),
        click.option("--weights-map", type=click.Path(exists=True, dir_okay=False), default=None, metavar="MAP",
                     help="a YAML map `file_name: model_name` for the --weights file"),
        click.option("--weights-partial", is_flag=True,
                     help="load the arrays that fit, draw the other weights, leave the arrays no weight takes"),
    ]):
        f = opt(f)
    return f


def report_loaded(found: Any, path: str, partial: bool, model: str) -> None:
    """What a --weights file gave: how its arrays were paired and, when partial, which weights were drawn."""
    if found is None:
        return
    how = {"names": "by name", "map": "by the map file", "structure": "by structure (order and shape)"}[found.by]
    note(f"weights: {len(found.pairs):,} arrays loaded from {path} {how}")
    if found.by == "structure":
        note(f"  check the pairing: nncc weights {model} --from {path}")
    if partial:
        drawn = [w.name for w in found.missing] + [w.name for w, _ in found.mismatched]
        note(f"  loaded: {', '.join(found.pairs) or 'none'}")
        note(f"  drawn from their initializers: {', '.join(drawn) or 'none'}")
        if found.unused:
            note(f"  arrays left unused: {', '.join(found.unused)}")


def rows(g: Any, found: Any = None) -> list[dict[str, Any]]:
    """One row per weight, in the model's order (tied weights name the weight they share)."""
    out = []
    for w in g.weights():
        node = w.owner
        row = {"name": w.name, "shape": [int(d) for d in w.ttype.shape], "dtype": w.ttype.dtype,
               "init": f"shared with {w.share.name}" if w.share is not None else str(w.init),
               "op": node.op if node is not None else "", "line": str(w.span) if w.span is not None else "",
               "trainable": bool(w.trainable)}
        if found is not None:
            row["from"] = found.pairs.get(w.name) if w.share is None else None
        out.append(row)
    return out


def _table(rs: list[dict[str, Any]]) -> str:
    cols = ["name", "shape", "dtype", "init", "op", "line"] + (["from"] if rs and "from" in rs[0] else [])
    cells = [[str(r[c]) if c != "shape" else "[" + ", ".join(map(str, r[c])) + "]" for c in cols] for r in rs]
    for row, r in zip(cells, rs):
        if "from" in r and r["from"] is None:
            row[-1] = "(drawn)" if not r["init"].startswith("shared") else "(shared)"
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.upper().ljust(wd) for c, wd in zip(cols, widths)).rstrip()]
    lines += ["  ".join(x.ljust(wd) for x, wd in zip(row, widths)).rstrip() for row in cells]
    total = sum(_numel(r["shape"]) for r in rs if not r["init"].startswith("shared"))
    lines.append(f"{len(rs)} weights, {total:,} values")
    return "\n".join(lines)


def _numel(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


@click.command("weights")
@click.argument("file", metavar="MODEL|-")
@click.option("-D", "defines_", multiple=True, metavar="NAME=VALUE", help="override a param")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="a weights file: show which of its arrays each weight takes")
@click.option("--weights-map", type=click.Path(exists=True, dir_okay=False), metavar="MAP",
              help="a YAML map `file_name: model_name` for the --from file")
@click.option("--weights-partial", is_flag=True, help="draw the weights that have no fitting array")
@click.option("--write", "out", metavar="OUT.npz", help="save the paired arrays under the model's names")
@click.option("--seed", type=click.IntRange(0, 2 ** 32 - 1), default=0, help="seed for the drawn weights")
@verbosity_options
@limit_options
@guard
def weights_cmd(file: str, defines_: tuple[str, ...], fmt: str, source: str | None, weights_map: str | None,
                weights_partial: bool, out: str | None, seed: int, pass_stats: bool = False) -> None:
    """List MODEL's weights: name, shape, dtype, initializer, op and line.

    \b
    The names are what --weights files use (docs/weights.md). With --from FILE, each weight's
    array in FILE is shown: by name, by a --weights-map, or by structure (order and shape);
    --write OUT.npz saves them under the model's names, ready for --weights.
    """
    from .driver import frontend
    from .wmap import assign, problems, read_map

    if out is not None and source is None:
        raise click.UsageError("--write saves the arrays of a --from FILE; give --from too")
    path, data = stdin_model(file)
    fe = frontend(path, defines(defines_), data)
    if fe.warnings:
        report(fe.warnings)
    g = fe.graph
    found = None
    if source is not None:
        from .diagnostics import CompileError
        from .wfiles import open_weights

        wf = open_weights(source)
        own = [w for w in g.weights() if w.share is None]
        found = assign(own, wf.arrays, read_map(weights_map) if weights_map else None)
        rs = rows(g, found)
        _show(rs, fmt, found)
        diags = problems(found, wf.arrays, source, weights_partial)
        if any(d.is_error for d in diags):
            raise CompileError(diags)
        report(diags)
        if out is not None:
            _write(g, source, out, seed, weights_map, weights_partial, [p for p in (file, source, weights_map) if p])
        return
    _show(rows(g), fmt, None)


def _show(rs: list[dict[str, Any]], fmt: str, found: Any) -> None:
    if fmt == "json":
        click.echo(json.dumps({"paired_by": found.by, "unused": found.unused, "weights": rs} if found else
                              {"weights": rs}, indent=1))
        return
    if found:
        click.echo(f"paired by {found.by}")
    click.echo(_table(rs))
    if found and found.unused:
        click.echo(f"arrays no weight takes: {', '.join(found.unused)}")


def _write(g: Any, source: str, out: str, seed: int, weights_map: str | None, partial: bool,
           inputs: list[str]) -> None:
    import numpy as np

    from . import placement
    from .npzfile import npz_bytes
    from .output import write_files
    from .weights import materialize

    placement.not_an_input([out], inputs)
    materialize(g, seed, source, map_path=weights_map, partial=partial)
    arrays = {w.name: np.asarray(w.data) for w in g.weights() if w.share is None}
    write_files({out: npz_bytes(arrays)})
    note(f"wrote {out} ({len(arrays)} arrays)")
    detail(f"from {os.path.abspath(source)}")
