"""The compile pipeline as a library: read → elaborate → passes → emit.

`compile_model` is what the CLI wraps; it returns the files a target writes (in
memory) so callers decide where they go, and raises CompileError with diagnostics.
"""
from __future__ import annotations

import gc
import os
from typing import Any, Callable, TypeVar

from . import codes
from . import target as targets_mod
from .diagnostics import CompileError, Diagnostic, DiagnosticBag, Span, UsageError
from .elaborate import Elaborator
from .ir import Graph
from .model import Model, read_model
from .output import Stream, as_bytes
from .passes import PassContext, PassManager, PassStat
from .record import Record
from .stages import resolve_freeze
from .testjob import check_test_job
from .train import TrainConfig, read_train

COMMON_PASSES = ["infer-shapes", "validate"]
C = TypeVar("C")


class Frontend(Record):
    model: Model
    graph: Graph
    train: TrainConfig | None
    warnings: list[Diagnostic]
    elaborator: Elaborator | None
    __slots__ = ("model", "graph", "train", "warnings", "elaborator")

    def __init__(self, model: Model, graph: Graph, train: TrainConfig | None, warnings: list[Diagnostic] | None = None,
                 elaborator: Elaborator | None = None) -> None:
        self.model = model
        self.graph = graph
        self.train = train
        self.warnings = [] if warnings is None else warnings
        self.elaborator = elaborator


class Result(Record):
    outputs: dict[str, bytes | Stream]  # what to write (nncc.output.write_files); a Stream is drawn as written
    frontend: Frontend
    stats: list[PassStat]
    target: str
    options: dict[str, Any]
    _files: dict[str, bytes] | None
    loaded: Any  # how a --weights file's arrays were paired (nncc/wmap.py Assignment)
    __slots__ = ("outputs", "frontend", "stats", "target", "options", "_files", "loaded")
    HIDDEN = ("_files",)

    def __init__(self, outputs: dict[str, bytes | Stream], frontend: Frontend, stats: list[PassStat], target: str,
                 options: dict[str, Any], _files: dict[str, bytes] | None = None, loaded: Any = None) -> None:
        self.outputs = outputs
        self.frontend = frontend
        self.stats = stats
        self.target = target
        self.options = options
        self._files = _files
        self.loaded = loaded

    @property
    def files(self) -> dict[str, bytes]:
        """The outputs as bytes in memory (a Stream is drawn and joined here, once)."""
        if self._files is None:
            self._files = {k: as_bytes(v) for k, v in self.outputs.items()}
        return self._files


def _resource_guard(fn):
    """A model that still exhausts the stack or memory is a diagnostic (E005), never a crash; and the cyclic
    garbage collector waits until the compile is over.

    Limits (nncc/limits.py) stop known cases before the work; this is the net under them.
    """
    import functools

    @functools.wraps(fn)
    def wrapper(*a, **kw):
        paused = gc.isenabled()
        if paused:  # the IR is one long-lived web of objects: generational collections over it, run again and
            gc.disable()  # again while it grows, made compile time superlinear (bench/bench_scale.py)
        try:
            return fn(*a, **kw)
        except RecursionError:
            raise CompileError([Diagnostic(codes.TOO_LARGE, "the model nests too deeply to compile", None,
                                           "split deeply nested expressions or blocks")]) from None
        except MemoryError:
            raise CompileError([Diagnostic(codes.TOO_LARGE, "out of memory while compiling this model", None,
                                           "see the resource limits in docs/security.md")]) from None
        finally:
            if paused:
                gc.enable()
    return wrapper


@_resource_guard
def frontend(path: str, defines: dict[str, str] | None = None, data: bytes | None = None,
             passes: PassManager | None = None) -> Frontend:
    """Everything up to target-independent validation (what `nncc lint` runs)."""
    m = read_model(path, data)
    el = Elaborator(m, defines)
    el.run()  # raises only for errors in params; the rest are collected with train's
    cfg = read_train(el, m.train)
    if cfg is None:
        for v in el.graph.inputs:
            el.graph.input_roles[v.name] = "sample"
    el.bag.raise_if_errors()
    g = el.graph
    g.meta["doc"] = m.doc
    pm = passes or PassManager(list(COMMON_PASSES))
    ctx = PassContext(bag=DiagnosticBag())
    pm.run(g, ctx)
    if cfg is not None and cfg.stages:  # freeze globs name weights, which shape inference has now made
        resolve_freeze(cfg.stages, g, ctx.bag)
        ctx.bag.raise_if_errors()
    if cfg is not None and cfg.get("mode") == "test":  # the shapes a test job's feedback and writers need
        check_test_job(cfg, g, ctx.bag)
        ctx.bag.raise_if_errors()
    return Frontend(m, g, cfg, [d for d in el.bag.items if not d.is_error], el)


def _option_value(reader: Any, o: targets_mod.Option, node: Any, what: str) -> tuple[bool, Any]:
    """An option's value from its YAML node: an expression, or, for a string option, the plain text when it
    is not one (`job_name: auto-encoder` is a name, not auto minus encoder)."""
    from .source import YScalar

    if o.kind == "str" and isinstance(node, YScalar) and not node.is_null:
        outer, reader.bag = reader.bag, DiagnosticBag()
        ok, val = reader._const(node, what)
        failed, reader.bag = reader.bag.has_errors, outer
        return (True, node.value) if failed else (ok, val)
    return reader._const(node, what)


def resolve_options(t: targets_mod.Target, fe: Frontend, cli: dict[str, str]) -> dict[str, Any]:
    """Defaults ← the model's `targets.<name>` ← `-O key=value` on the command line."""
    from .diagnostics import did_you_mean
    from .quoting import printable
    from .source import YMap
    from .train import TrainReader, check_value

    model = fe.model
    opts = {o.name: o.default for o in t.options}
    bag = DiagnosticBag()
    sec = model.targets.get(t.name) if model.targets is not None else None
    if model.targets is not None:
        for k, _ in model.targets.items:
            if k.value not in targets_mod.BUILTIN and targets_mod.get(k.value) is None:
                guess = did_you_mean(k.value, targets_mod.available())
                bag.error(codes.BAD_TARGET_OPTION, f"unknown target `{k.value}` in `targets`", k.span,
                          f"did you mean `{guess}`?" if guess else f"targets: {', '.join(targets_mod.available())}")
    if sec is not None:
        if not isinstance(sec, YMap):
            bag.error(codes.BAD_TARGET_OPTION, f"`targets.{t.name}` must be a mapping of options", sec.span)
        else:
            assert fe.elaborator is not None
            reader = TrainReader(fe.elaborator)
            reader.bag = bag
            for k, v in sec.items:
                o = t.option(k.value)
                if o is None:
                    guess = did_you_mean(k.value, [x.name for x in t.options])
                    bag.error(codes.BAD_TARGET_OPTION, f"target `{t.name}` has no option `{k.value}`", k.span,
                              f"did you mean `{guess}`?" if guess else
                              f"options: {', '.join(x.name for x in t.options) or '(none)'}")
                    continue
                ok, val = _option_value(reader, o, v, f"targets.{t.name}.{k.value}")
                if not ok:
                    continue
                good, val, expected = check_value(o.kind, val, o.choices)
                problem = None if good else f"must be {expected}, got {printable(repr(val))}"
                problem = problem or o.problem(val)
                if problem:
                    bag.error(codes.BAD_TARGET_OPTION, f"targets.{t.name}.{k.value} {problem}", v.span)
                    continue
                opts[o.name] = val
    usage = DiagnosticBag()  # -O problems are the command line's (exit 2), not the model's
    for name, raw in cli.items():
        o = t.option(name)
        if o is None:
            guess = did_you_mean(name, [x.name for x in t.options])
            usage.error(codes.BAD_TARGET_OPTION, f"target `{t.name}` has no option `{name}` (from -O)", None,
                        f"did you mean `{guess}`?" if guess else
                        f"options: {', '.join(x.name for x in t.options) or '(none)'}")
            continue
        val = raw
        try:
            if o.kind == "int":
                val = int(raw)
            elif o.kind == "float":
                val = float(raw)
            elif o.kind == "bool":
                if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(raw)
                val = raw.lower() in ("true", "1", "yes")
        except ValueError:
            usage.error(codes.BAD_TARGET_OPTION, f"-O {name}={printable(raw)}: expected {o.kind}", None)
            continue
        if o.choices and val not in o.choices:
            usage.error(codes.BAD_TARGET_OPTION,
                        f"-O {name}={printable(raw)}: choose one of {', '.join(map(str, o.choices))}", None)
            continue
        problem = o.problem(val)
        if problem:
            usage.error(codes.BAD_TARGET_OPTION, f"-O {name}={printable(raw)}: {problem}", None)
            continue
        opts[name] = val
    if usage.has_errors:
        raise UsageError(usage.items)
    bag.raise_if_errors()
    return opts


def target_pipeline(t: targets_mod.Target) -> list[str]:
    """The target's passes, then `legalize` once (the last word before emit)."""
    return [p for p in t.pipeline if p != "legalize"] + ["legalize"]


def check_train_features(cfg: TrainConfig, t: targets_mod.Target, bag: DiagnosticBag) -> None:
    """A train setting that the training target cannot carry out is E510 at its line, never dropped."""
    from .train import OPTIONAL_FEATURES

    for k in OPTIONAL_FEATURES:
        given = bool(cfg.stages) if k == "stages" else cfg.settings.get(k) is not None
        if given and k not in t.train_features:
            bag.error(codes.UNSUPPORTED_SETTING, f"target `{t.name}` cannot carry out train.{k}", cfg.spans.get(k),
                      "remove the setting for this target" + (", or train with `nncc train` (target pytorch)"
                                                              if k in ("clip_norm", "precision") else ""))
    if cfg.loss_scales and "loss_scale" not in t.train_features:
        name = next(iter(cfg.loss_scales))
        n = next(n for n in cfg.losses if n.name == name)
        bag.error(codes.UNSUPPORTED_SETTING, f"target `{t.name}` cannot weight the losses it sums "
                  f"(`{cfg.loss_scales[name]:g} * …`)", n.span, "write the losses unweighted for this target")
    d = cfg.distributed
    if (d.get("partition") or d.get("partition_dim")) and "partition" not in t.train_features:
        # partition_dim 0 splits the batch: the data parallelism every training target has
        bag.error(codes.UNSUPPORTED_SETTING, f"target `{t.name}` cannot split layers across workers "
                  "(train.distributed.partition / partition_dim)", cfg.spans.get("distributed"),
                  "remove the setting for this target: it trains data-parallel")


@_resource_guard
def compile_model(path: str, target: str = "onnx", *, defines: dict[str, str] | None = None,
                  seed: int = 0, weights: str | None = None, weights_map: str | None = None,
                  weights_partial: bool = False, options: dict[str, str] | None = None,
                  disable: set[str] | None = None, print_after: set[str] | None = None,
                  print_after_all: bool = False, verify_each: bool = False, opt_level: int | None = None,
                  printer: Callable[[str], None] | None = None, data: bytes | None = None,
                  emit: bool = True, stem: str | None = None,
                  on_phase: Callable[[str], None] | None = None,
                  on_frontend: Callable[[Frontend], None] | None = None) -> Result:
    """Compile `path` for `target`; on_phase(name) is called as each phase begins (for progress),
    on_frontend(fe) once the front end is done, before the target's passes change its graph (the
    CLI runs lint's rules there rather than a second front end)."""
    phase = on_phase or (lambda name: None)
    t = targets_mod.get(target)
    if t is None:
        from .diagnostics import did_you_mean

        guess = did_you_mean(target, targets_mod.available())
        raise UsageError([Diagnostic(codes.UNKNOWN_TARGET, f"unknown target `{target}`", None,
                                     f"did you mean `{guess}`?" if guess else
                                     f"targets: {', '.join(targets_mod.available())}")])
    pm_front = PassManager(list(COMMON_PASSES), disabled=disable, print_after=print_after,
                           print_after_all=print_after_all, verify_each=verify_each, printer=printer)
    phase("front end")
    fe = frontend(path, defines, data, pm_front)
    if on_frontend is not None:
        on_frontend(fe)
    opts = resolve_options(t, fe, options or {})
    g = fe.graph
    if weights is not None and not (t.needs_weights or t.weights_optional):
        raise CompileError([Diagnostic(
            codes.UNSUPPORTED_SETTING, f"--weights {weights}: target `{t.name}` writes no weight values (its "
            "runtime initializes the weights from the initializers in the job), so the file would be ignored",
            None, "leave out --weights; targets that carry weights: "
            + ", ".join(n for n in targets_mod.available() if (o := targets_mod.get(n)) and (
                o.needs_weights or o.weights_optional)))])
    if t.needs_train and fe.train is None:
        raise CompileError([Diagnostic(codes.NEEDS_TRAIN, f"target `{t.name}` trains the model, but the file has no `train` "
                                       "section", fe.model.root.span,
                                       "add train: {loss: ..., optimizer: ..., batch_size: ...}")])
    mode = "training" if t.mode == "training" else "inference"
    level = opt_level if opt_level is not None else int(opts.get("opt_level", 1) if opts.get("opt_level") is not None
                                                        else 1)
    ctx = PassContext(bag=DiagnosticBag(), target=t, options=dict(opts), mode=mode, opt_level=level)
    pm = PassManager(target_pipeline(t), disabled=disable, print_after=print_after,
                     print_after_all=print_after_all, verify_each=verify_each, printer=printer)
    phase("passes")
    pm.run(g, ctx)
    bag = DiagnosticBag()
    if t.mode == "training" and fe.train is not None:
        check_train_features(fe.train, t, bag)
    bag.raise_if_errors()
    files: dict[str, bytes | Stream] = {}
    loaded = None
    if emit:
        if t.needs_weights or (t.weights_optional and weights is not None):
            from .weights import materialize

            phase("weights")
            loaded = materialize(g, seed, weights, lazy=t.streams_weights, map_path=weights_map,
                                 partial=weights_partial)
            if loaded is not None:
                fe.warnings.extend(loaded.warnings)
        # `stem` names the files (and what they refer to, e.g. ONNX external data): the model's name,
        # or the name `-o FILE` gives the main file
        ectx = targets_mod.EmitContext(fe.model, fe.train, opts, seed, weights, stem or fe.model.name, bag)
        phase("emit")
        files = t.emit(g, ectx)
        bag.raise_if_errors()
        fe.warnings.extend(d for d in bag if not d.is_error)  # a target's warnings are reported too
    return Result(files, fe, pm_front.stats + pm.stats, t.name, opts, loaded=loaded)


def place(files: dict[str, C], output: str | None) -> dict[str, C]:
    """Map a target's file names to paths: -o DIR/ puts them in DIR; -o FILE renames the main one."""
    if not files:
        return {}
    names = list(files)
    if output is None:
        return dict(files)
    if output.endswith(os.sep) or output.endswith("/") or os.path.isdir(output):
        return {os.path.join(output, n): files[n] for n in names}
    d = os.path.dirname(output)
    out = {output: files[names[0]]}
    stem_old = os.path.splitext(names[0])[0]
    stem_new = os.path.splitext(os.path.basename(output))[0]
    for n in names[1:]:
        base = n.replace(stem_old, stem_new, 1) if n.startswith(stem_old) else n
        out[os.path.join(d, base)] = files[n]
    return out


def span_of_file(path: str) -> Span:
    return Span(path, 1, 1, 1, 2)
