"""The commands that compile a model or turn one into another: compile, train, summary, ir, graph, import.

Loaded by the `nncc` group (nncc/cli.py) when one of them runs.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable

import click

from .cli_weights import report_loaded, weights_options
from .cliutil import check_passes, limit_options, once, pipeline_of, target_name, verbosity_options
from .cmdline import EXITS, defines, detail, guard, note, report, stdin_model, verbosity
from .diagnostics import CompileError

def _compile_options(default_target: str | None, target_help: str) -> Callable:
    """-t, -D, -O, --opt-level and the pass-manager flags: the same on every command that compiles."""
    def deco(f: Callable) -> Callable:
        for opt in reversed([
            once("-t", "--target", default=default_target, metavar="TARGET",
                 help=target_help + (f" [default: {default_target}]" if default_target else "")),
            click.option("-D", "defines_", multiple=True, metavar="NAME=VALUE", help="override a param"),
            click.option("-O", "topts", multiple=True, metavar="KEY=VALUE",
                         help="set a target option (`nncc targets TARGET` lists them)"),
            once("--opt-level", type=click.IntRange(0, 2), metavar="0|1|2",
                 help="0 none, 1 structural, 2 numeric (default: the target's opt_level option)"),
            click.option("--disable-pass", "disable", multiple=True, metavar="PASS", help="skip an optional pass"),
            click.option("--print-after", multiple=True, metavar="PASS", help="print the IR after PASS"),
            click.option("--print-after-all", is_flag=True, help="print the IR after every pass"),
            click.option("--verify-each", is_flag=True, help="verify the IR after every pass"),
            click.option("--pass-stats", is_flag=True, help="show how often each pass fired and its time"),
        ]):
            f = opt(f)
        return f
    return deco


def _request(target: str | None, defines_: tuple[str, ...], topts: tuple[str, ...], opt_level: int | None,
             disable: tuple[str, ...], print_after: tuple[str, ...], print_after_all: bool, verify_each: bool,
             printer: Callable[[str], None]) -> dict[str, Any]:
    """Check the compile flags together and return compile_model's keyword arguments."""
    target = target_name(target)
    if target is None:
        for flag, given in (("-O", topts), ("--opt-level", opt_level is not None)):
            if given:
                raise click.UsageError(f"{flag} sets how a target compiles; give -t TARGET too")
    check_passes(disable, print_after, pipeline_of(target), target)
    return dict(defines=defines(defines_), options=defines(topts, "-O"), opt_level=opt_level,
                disable=set(disable), print_after=set(print_after), print_after_all=print_after_all,
                verify_each=verify_each, printer=printer)


def _pass_stats(stats: list) -> None:
    click.echo(f"{'pass':<20} {'fired':>6} {'changed':>8} {'ms':>9}", err=True)
    for s in stats:
        click.echo(f"{s.name:<20} {s.fired:>6} {'yes' if s.modified else 'no':>8} {s.seconds * 1e3:>9.2f}", err=True)


@click.command("compile", epilog=EXITS)
@click.argument("file", metavar="FILE|-")
@_compile_options("onnx", "back end (`nncc targets`)")
@once("-o", "--output", metavar="DIR|FILE|-",
      help="directory for the files (default: out/TARGET/MODEL/); a single-file target (onnx) also takes "
           "NAME.onnx, or - for standard output")
@click.option("--force", is_flag=True, help="replace files in the output directory that nncc did not write")
@once("--seed", type=click.IntRange(0, 2 ** 32 - 1), default=0,
      help="seed for drawing weights from their initializers (0 to 2^32-1) [default: 0]")
@weights_options
@click.option("--fsync", is_flag=True, default=None,
              help="flush the files to disk before renaming them into place (also NNCC_FSYNC=1)")
@verbosity_options
@limit_options
@guard
def compile_cmd(file: str, target: str, output: str | None, force: bool, seed: int, weights: str | None,
                weights_map: str | None, weights_partial: bool, fsync: bool | None, pass_stats: bool,
                **flags: Any) -> None:
    """Compile FILE (- reads standard input) for a target and write its files.

    \b
    The files go into a directory and are named after the model: out/TARGET/MODEL/ unless
    -o DIR says where. nncc never writes over an input, and never replaces a file it did not
    write (see .nncc-manifest.json in the directory) unless --force is given.
    """
    from . import placement
    from . import target as T
    from .driver import compile_model
    from .output import write_files

    req = _request(target, printer=lambda s: click.echo(s, err=True), **flags)
    tname = target_name(target)
    assert tname is not None
    t = T.get(tname)
    assert t is not None
    inputs = [p for p in (file, weights, weights_map) if p and p != "-"]
    if output is not None and output != "-":
        placement.not_an_input([output], inputs)
    dest = placement.destination(output, tname, t.file_suffix)
    path, data = stdin_model(file)
    from .progress import progress

    linted: list = []
    with progress(f"{os.path.basename(path)} -> {tname}") as bar:
        res = compile_model(path, tname, seed=seed, weights=weights, weights_map=weights_map,
                            weights_partial=weights_partial, data=data, stem=dest.stem, on_phase=bar.label_as,
                            on_frontend=lambda fe: linted.extend(_lint(path, data, fe)), **req)
    report_loaded(res.loaded, weights or "", weights_partial, file)
    have = {(d.code, d.message) for d in res.frontend.warnings}
    res.frontend.warnings.extend(d for d in linted if not d.is_error and (d.code, d.message) not in have)
    if res.frontend.warnings:
        report(res.frontend.warnings)
    files = placement.place(res.outputs, dest, tname, res.frontend.model.name)
    if dest.kind == "stdout":
        from .output import as_bytes

        out = sys.stdout.buffer
        for content in files.values():
            out.write(as_bytes(content))
        out.flush()
    else:
        origin = {"model": os.path.abspath(path) if data is None else path, "target": tname}
        placement.check(list(files), inputs, force, origin)
        with progress("writing", total=sum(len(c) for c in files.values()), unit="B") as bar:
            write_files(files, fsync=fsync or None, progress=lambda n: bar.step(n=n))
        placement.record(list(files), origin)
        for p in files:
            note(f"wrote {p}")
    detail("options: " + ", ".join(f"{k}={v}" for k, v in sorted(res.options.items()) if not k.startswith("_")))
    if pass_stats or verbosity() > 0:
        _pass_stats(res.stats)


def _lint(path: str, data: bytes | None, fe: Any) -> list:
    """Lint's W-rules on a compile's front end (honouring the lint config and `# nncc: ignore`)."""
    from .lint import config as C
    from .lint.runner import lint_frontend

    try:
        cfg = C.discover(os.path.dirname(os.path.abspath(path)) if data is None else None)
    except (C.ConfigError, OSError):
        return []  # `nncc lint` reports a broken config; compile does not fail on it
    if data is None:
        from .source import read_source

        try:
            data = read_source(path)
        except CompileError:
            return []  # the compile has reported it
    return lint_frontend(path, data, fe, cfg)


@click.command("train", epilog="\b\nExit codes: those of compile before the run starts; then the run's own")
@click.argument("file")
@once("-o", "--output", "run_dir", metavar="RUN_DIR", help="run directory [default: runs/MODEL]")
@click.option("--resume/--no-resume", default=True, help="continue from the run directory's last checkpoint "
              "[default: resume]")
@click.option("-D", "defines_", multiple=True, metavar="NAME=VALUE", help="override a param")
@click.option("-O", "topts", multiple=True, metavar="KEY=VALUE", help="set an option of the pytorch target")
@once("--seed", type=click.IntRange(0, 2 ** 32 - 1), default=0,
      help="seed for the initial weights (train.seed seeds the run) [default: 0]")
@weights_options
@once("--dummy", type=click.IntRange(1), metavar="N", help="train on N random samples, not the data files")
@once("--threads", type=click.IntRange(1), help="CPU threads of each training process")
@guard
def train_cmd(file: str, run_dir: str | None, resume: bool, defines_: tuple[str, ...], topts: tuple[str, ...],
              seed: int, weights: str | None, weights_map: str | None, weights_partial: bool, dummy: int | None,
              threads: int | None) -> None:
    """Compile FILE for PyTorch and run its training in RUN_DIR, streaming its progress.

    \b
    The project goes to RUN_DIR/project/ (nncc compile -t pytorch); train.py writes checkpoints,
    history.csv, steps.csv and trained.npz into RUN_DIR. A run directory with a checkpoint
    continues from it unless --no-resume is given. The exit code is the run's.
    """
    from .targets.pytorch.run import train

    if not os.path.isfile(file):
        raise click.UsageError(f"no such file: {file}")
    if run_dir is None:
        run_dir = os.path.join("runs", os.path.splitext(os.path.basename(file))[0])
    sys.exit(train(file, run_dir, resume=resume, defines=defines(defines_), options=defines(topts, "-O"),
                   seed=seed, weights=weights, weights_map=weights_map, weights_partial=weights_partial,
                   dummy=dummy, threads=threads))

@click.command()
@click.argument("file", metavar="FILE|-")
@_compile_options(None, "show the graph as this target will see it")
@verbosity_options
@limit_options
@guard
def summary(file: str, target: str | None, pass_stats: bool, **flags: Any) -> None:
    """Per layer: name, op, output shape, parameters, FLOPs; totals; the training setup."""
    from .summary import summarize

    req = _request(target, printer=lambda s: click.echo(s, err=True), **flags)
    path, data = stdin_model(file)
    tname = target_name(target)
    stats: list = []
    if tname:
        click.echo(summarize(path, req.pop("defines"), tname, data, stats=stats, **req))
    else:
        click.echo(summarize(path, req["defines"], None, data, _front_passes(req), stats=stats))
    if pass_stats:
        _pass_stats(stats)


def _front_passes(req: dict[str, Any]):
    from .driver import COMMON_PASSES
    from .passes import PassManager

    return PassManager(list(COMMON_PASSES), disabled=req["disable"], print_after=req["print_after"],
                       print_after_all=req["print_after_all"], verify_each=req["verify_each"],
                       printer=req["printer"])


@click.command()
@click.argument("file", metavar="FILE|-")
@_compile_options(None, "run the target's passes too")
@verbosity_options
@limit_options
@guard
def ir(file: str, target: str | None, pass_stats: bool, **flags: Any) -> None:
    """Print the IR of FILE as text (after the target's passes with -t)."""
    from .driver import compile_model, frontend
    from .printer import print_graph

    req = _request(target, printer=click.echo, **flags)
    path, data = stdin_model(file)
    tname = target_name(target)
    if tname:
        res = compile_model(path, tname, data=data, emit=False, **req)
        g, stats = res.frontend.graph, res.stats
    else:
        pm = _front_passes(req)
        g, stats = frontend(path, req["defines"], data, pm).graph, pm.stats
    click.echo(print_graph(g))
    if pass_stats:
        _pass_stats(stats)


@click.command(epilog=EXITS)
@click.argument("file", metavar="FILE|-")
@_compile_options(None, "draw the graph as this target will see it (after its passes: layouts, fusions)")
@once("--format", "picture", type=click.Choice(["dot", "svg", "mermaid", "html"]), default=None,
      help="dot (graphviz), svg, mermaid or html (interactive: pan, zoom, hover) [default: from -o's suffix, "
           "else dot]")
@once("-o", "--output", metavar="FILE|-", help="write to FILE (default: standard output)")
@click.option("--force", is_flag=True, help="replace a file that nncc did not write")
@verbosity_options
@limit_options
@guard
def graph(file: str, target: str | None, pass_stats: bool, picture: str | None, output: str | None, force: bool,
          **flags: Any) -> None:
    """Draw the graph of FILE: a box per layer with its op, output shape and parameters,
    blocks as clusters.

    \b
    nncc graph model.yaml | dot -Tpng > model.png
    nncc graph model.yaml -t smaug -o model.html      # open it in a browser
    """
    from . import placement
    from .draw import picture as draw, to_dot, to_mermaid
    from .driver import compile_model, frontend
    from .drawsvg import to_html, to_svg

    suffixes = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".mmd": "mermaid", ".html": "html", ".htm": "html"}
    fmt = picture or suffixes.get(os.path.splitext(output or "")[1].lower(), "dot")
    req = _request(target, printer=lambda s: click.echo(s, err=True), **flags)
    path, data = stdin_model(file)
    if output is not None and output != "-":
        placement.not_an_input([output], [file])
    tname = target_name(target)
    if tname:
        g = compile_model(path, tname, data=data, emit=False, **req).frontend.graph
    else:
        g = frontend(path, req["defines"], data, _front_passes(req)).graph
    text = {"dot": to_dot, "mermaid": to_mermaid, "svg": to_svg, "html": to_html}[fmt](draw(g))
    if output is None or output == "-":
        click.echo(text, nl=False)
        return
    from .output import write_files

    origin = {"model": os.path.abspath(path) if data is None else path, "target": f"graph:{fmt}"}
    placement.check([output], [file], force, origin)
    write_files({output: text.encode()})
    placement.record([output], origin)
    note(f"wrote {output}")


@click.command("import", epilog=EXITS)
@click.argument("file", type=click.Path(exists=True, dir_okay=False), metavar="MODEL.onnx")
@once("-o", "--output", required=True, metavar="FILE", help="the model file to write (model.yaml)")
@once("--weights-out", metavar="FILE",
      help="also write the ONNX model's weights (.npz), under the names `nncc compile --weights` reads")
@click.option("--fsync", is_flag=True, default=None,
              help="flush the files to disk before renaming them into place (also NNCC_FSYNC=1)")
@guard
def import_cmd(file: str, output: str, weights_out: str | None, fsync: bool | None) -> None:
    """Turn an ONNX model (opset 13 or later) into a model file.

    \b
    One line per layer, pipes for chains, params for repeated sizes. The model file is
    compiled again and its shapes compared with ONNX's before anything is written. Ops the
    language lacks are errors (E520), each with its count and the nodes that use it.
    See docs/weights.md, "Import".
    """
    from . import placement
    from .importer import import_onnx
    from .output import Stream, write_files
    from .npzfile import npz_bytes

    outs = [p for p in (output, weights_out) if p]
    placement.not_an_input(outs, [file])
    if weights_out is not None and os.path.abspath(weights_out) == os.path.abspath(output):
        raise click.BadParameter("must differ from -o", param_hint="--weights-out")
    r = import_onnx(file, output)
    files: dict[str, bytes | Stream] = {output: r.text.encode()}
    if weights_out is not None:
        files[weights_out] = npz_bytes(r.weights)
    write_files(files, fsync=fsync or None)
    note(f"wrote {output} ({r.lines} lines)" + (f" and {weights_out} ({len(r.weights)} arrays)" if weights_out else ""))
