"""The `train` section: loss, metrics, optimizer, schedule, data, callbacks, distribution.

Table-driven: every call-like setting (`sgd(lr=0.1)`, `step(every=30)`,
`normalize(mean=[...])`, `checkpoint(every=1)`) is checked against a schema of
its arguments, so a misspelt name or argument is a diagnostic with a suggestion.
Targets read the checked `TrainConfig`; a setting a target cannot express is the
target's diagnostic, never silently dropped.
"""
from __future__ import annotations

from typing import Any

from . import codes
from . import ast as A
from .diagnostics import CompileError, DiagnosticBag, Note, Span, did_you_mean
from .elaborate import Elaborator
from .evalcore import EvalError, _kind, _outside_int64
from .ir import Node, Value
from .source import YMap, YNode, YScalar, YSeq
from .stages import read_stages
from .testjob import read_test_job
from .syntax import parse
from .train_schema import (  # noqa: F401 - the schema, re-exported for the modules that read it here
    CALLBACKS, DATA_FIELDS, DATA_FORMATS, DATA_ROLES, DISTRIBUTED_FIELDS, OPTIMIZERS, OPTIONAL_FEATURES, R,
    PHASES, SCHEDULES, STAGE_FIELDS, TRAIN_FIELDS, TRANSFORMS, Config, DataSource, F, Stage, TrainConfig,
    _is_num, check_value,
)


class TrainReader:
    def __init__(self, el: Elaborator):
        self.el = el
        self.bag: DiagnosticBag = el.bag
        self.cfg = TrainConfig()

    # -------------------------------------------------------------- helpers

    def _expr(self, node: YScalar) -> A.Expr | None:
        try:
            return parse(node, "expr")
        except CompileError as e:
            self.bag.extend(e.diagnostics)
            return None

    def _const(self, node, what: str) -> tuple[bool, Any]:
        """Evaluate a YAML node as a constant: scalars are expressions; lists and maps are YAML."""
        if isinstance(node, YSeq):
            out = []
            for it in node.items:
                ok, v = self._const(it, what)
                if not ok:
                    return False, None
                out.append(v)
            return True, out
        if isinstance(node, YMap):
            self.bag.error(codes.WRONG_STRUCTURE, f"{what} must be a value, not a mapping", node.span)
            return False, None
        assert isinstance(node, YScalar)
        if node.is_null:
            return True, None
        if node.tag.endswith(":str") and node.style in ('"', "'"):
            return True, node.value  # a quoted YAML string is a string
        e = self._expr(node)
        if e is None:
            return False, None
        if isinstance(e, A.Name) and e.id not in self.el.params and not self.el.glob.get(e.id)[0]:
            return True, e.id  # a bare word is a string (paths, names)
        try:
            return True, self.el.const_eval(e, self.el.glob, what)
        except EvalError as err:
            if err.diag is not None:
                self.bag.add(err.diag)
            return False, None

    def _config(self, node, table: dict[str, dict[str, F]], what: str) -> Config | None:
        """`name(k=v, ...)` (or a bare `name`) checked against a schema table."""
        if isinstance(node, YMap):  # {name: sgd, lr: 0.1} form
            self.bag.error(codes.WRONG_STRUCTURE, f"write {what} as a call, e.g. {next(iter(table))}(...)", node.span)
            return None
        if not isinstance(node, YScalar) or node.is_null:
            self.bag.error(codes.WRONG_STRUCTURE, f"{what} must be a call such as {next(iter(table))}(...)",
                           node.span if node is not None else None)
            return None
        e = self._expr(node)
        if e is None:
            return None
        if isinstance(e, A.Name):
            e = A.Call(e.pos, e, [], [])
        if not isinstance(e, A.Call) or not isinstance(e.func, A.Name):
            self.bag.error(codes.UNKNOWN_SETTING, f"{what} must be a call such as {next(iter(table))}(...)", e.span)
            return None
        name = e.func.id
        if name not in table:
            guess = did_you_mean(name, table)
            self.bag.error(codes.UNKNOWN_SETTING, f"unknown {what} `{name}`", e.func.span,
                           f"did you mean `{guess}`?" if guess else f"choose one of: {', '.join(table)}")
            return None
        schema = table[name]
        args: dict[str, Any] = {}
        given: list[str] = []
        names = list(schema)
        if len(e.args) > len(names):
            self.bag.error(codes.ARITY, f"{name}() takes at most {len(names)} positional arguments", e.args[-1].span)
            return None
        pairs = [(names[i], a, a.span) for i, a in enumerate(e.args)]
        pairs += [(k.name, k.value, k.pos.span) for k in e.kwargs]
        ok_all = True
        for k, ex, span in pairs:
            if k not in schema:
                guess = did_you_mean(k, names)
                self.bag.error(codes.UNKNOWN_ARGUMENT, f"{name}() has no argument `{k}`", span,
                               f"did you mean `{guess}`?" if guess else
                               f"it takes: {', '.join(names) or 'no arguments'}")
                ok_all = False
                continue
            try:
                v = self.el.const_eval(ex, self.el.glob, f"{name}({k}=…)")
            except EvalError as err:
                if err.diag is not None:
                    self.bag.add(err.diag)
                ok_all = False
                continue
            f = schema[k]
            ok, v, expected = check_value(f.kind, v, f.choices)
            if not ok:
                self.bag.error(codes.BAD_SETTING, f"{name}(): `{k}` must be {expected}, got {_kind(v)}", ex.span)
                ok_all = False
                continue
            if _outside_int64(v):  # targets store settings as int64 (or less): refuse here, not in an emitter
                self.bag.error(codes.BAD_SETTING, f"{name}(): `{k}` has an integer outside the 64-bit range", ex.span)
                ok_all = False
            elif f.kind in ("float", "int") and v < 0:
                self.bag.error(codes.BAD_SETTING, f"{name}(): `{k}` must not be negative, got {v}", ex.span)
                ok_all = False
            args[k] = v
            given.append(k)
        for k, f in schema.items():
            if k not in args:
                if f.default is R:
                    self.bag.error(codes.MISSING_SETTING, f"{name}() needs `{k}`", e.span,
                                   f"write {name}({', '.join(f'{n}=…' for n, g in schema.items() if g.default is R)})")
                    ok_all = False
                else:
                    args[k] = f.default
        return Config(name, args, e.span, tuple(given)) if ok_all else None

    def _fields(self, node: YMap, schema: dict[str, F], what: str) -> tuple[dict[str, Any], dict[str, Span]]:
        out: dict[str, Any] = {}
        spans: dict[str, Span] = {}
        seen_keys: set[str] = set()
        for k, v in node.items:
            if k.value not in schema:
                guess = did_you_mean(k.value, schema)
                self.bag.error(codes.UNKNOWN_KEY, f"unknown key `{k.value}` in {what}", k.span,
                               f"did you mean `{guess}`?" if guess else f"keys: {', '.join(schema)}")
                continue
            f = schema[k.value]
            seen_keys.add(k.value)
            if f.kind in ("str", "choice") and isinstance(v, YScalar) and not v.is_null and \
                    all(isinstance(c, str) for c in f.choices):
                val = v.value  # paths, names and choices are plain YAML strings, not expressions
                if f.kind == "choice" and val not in f.choices:
                    guess = did_you_mean(val, f.choices)
                    self.bag.error(codes.BAD_SETTING, f"{what}.{k.value} must be one of {', '.join(f.choices)}, got `{val}`",
                                   v.span, f"did you mean `{guess}`?" if guess else None)
                    continue
                out[k.value] = val
                spans[k.value] = v.span
                continue
            if f.kind in ("special", "list"):
                out[k.value] = v
                spans[k.value] = v.span
                continue
            ok, val = self._const(v, f"{what}.{k.value}")
            if not ok:
                continue
            if val is None and f.default is not R:
                continue
            good, val, expected = check_value(f.kind, val, f.choices)
            if not good:
                self.bag.error(codes.BAD_SETTING, f"{what}.{k.value} must be {expected}, got {_kind(val)}", v.span)
                continue
            if _outside_int64(val):
                self.bag.error(codes.BAD_SETTING, f"{what}.{k.value} has an integer outside the 64-bit range", v.span)
                continue
            if f.kind == "int" and val <= 0 and k.value not in ("seed", "random_skip", "partition_dim"):
                self.bag.error(codes.BAD_SETTING, f"{what}.{k.value} must be positive, got {val}", v.span)
                continue
            out[k.value] = val
            spans[k.value] = v.span
        for key, f in schema.items():
            if f.default is R and key not in seen_keys and f.kind != "special":
                self.bag.error(codes.MISSING_SETTING, f"{what} needs `{key}`", node.span)
        return out, spans

    # -------------------------------------------------------------- sections

    def read(self, node: YMap) -> TrainConfig:
        vals, spans = self._fields(node, TRAIN_FIELDS, "train")
        c = self.cfg
        c.spans = spans
        for k, v in vals.items():
            if TRAIN_FIELDS[k].kind != "special":
                c.settings[k] = v
        c.batch_size = vals.get("batch_size", 1)
        c.epochs = vals.get("epochs")
        c.steps = vals.get("steps")
        if c.epochs is not None and c.steps is not None:
            self.bag.error(codes.BAD_SETTING, "give `epochs` or `steps`, not both", spans.get("steps"))
        if "loss" in vals:
            self._loss(vals["loss"])
        elif vals.get("algorithm") != "cd" and vals.get("mode") != "test":  # CD (energy models) has no loss
            self.bag.error(codes.MISSING_SETTING, "train needs a `loss`", node.span, "e.g. `loss: cross_entropy(logits, label)`")
        if "metrics" in vals:
            self._metrics(vals["metrics"])
        if "phases" in vals:
            self._phases(vals["phases"])
        if c.get("clip_grad") is not None:
            self._clip(c.settings["clip_grad"], spans["clip_grad"])
        if "optimizer" in vals:
            c.optimizer = self._config(vals["optimizer"], OPTIMIZERS, "optimizer")
        elif "stages" not in vals and vals.get("mode") != "test":  # else each stage that gives none is told so
            self.bag.error(codes.MISSING_SETTING, "train needs an `optimizer`", node.span, "e.g. `optimizer: sgd(lr=0.1)`")
        if "schedule" in vals:
            c.warmup, c.schedule = self._schedule(vals["schedule"], c.epochs, c.steps)
        if "stages" in vals:
            read_stages(self, vals["stages"], vals.get("schedule"))
        if "checkpoint" in vals:
            ck = vals["checkpoint"]
            if isinstance(ck, YMap):  # checkpoint: {every: 1, dir: ckpt}
                schema = CALLBACKS["checkpoint"]
                args, _ = self._fields(ck, schema, "checkpoint")
                c.checkpoint = Config("checkpoint", {k: args.get(k, f.default) for k, f in schema.items()},
                                      ck.span, tuple(args))
            else:
                c.checkpoint = self._config(ck, {"checkpoint": CALLBACKS["checkpoint"]}, "checkpoint")
        if "callbacks" in vals:
            cbs = vals["callbacks"]
            items = cbs.items if isinstance(cbs, YSeq) else [cbs]
            for it in items:
                cfg = self._config(it, CALLBACKS, "callback")
                if cfg is not None:
                    c.callbacks.append(cfg)
        if "data" in vals:
            self._data(vals["data"])
        read_test_job(self, vals, node)
        if "distributed" in vals:
            d = vals["distributed"]
            if isinstance(d, YMap):
                c.distributed, dspans = self._fields(d, DISTRIBUTED_FIELDS, "distributed")
                c.spans.update((f"distributed.{k}", sp) for k, sp in dspans.items())
                if "partition" in c.distributed:
                    c.distributed["partition"] = self._partition(c.distributed["partition"])
            else:
                self.bag.error(codes.WRONG_STRUCTURE, "`distributed` must be a mapping such as {nodes: 2, procs_per_node: 4}",
                               d.span)
        return c

    def _schedule(self, node, epochs: int | None, steps: int | None,
                  what: str = "training") -> tuple[Config | None, Config | None]:
        """`schedule: name(...)`, or `[warmup(...), name(...)]`: a warm-up, then a schedule counted from its end.

        Returns (warm-up, schedule); `epochs`/`steps` is the length the schedule runs over: `what`'s,
        training or a stage.
        """
        if not isinstance(node, YSeq):
            one = self._config(node, SCHEDULES, "schedule")
            if one is not None and one.name == "warmup":
                self._warmup_length(node, one)
            return None, one
        items = node.items
        if self._split_calls(items):
            return None, None
        if not items:
            self.bag.error(codes.BAD_SCHEDULE_LIST, "the schedule list is empty", node.span,
                           "write one schedule, or a warm-up and the schedule after it: [warmup(steps=…), cosine()]")
            return None, None
        cfgs = [self._config(it, SCHEDULES, "schedule") for it in items]
        if len(items) == 1:  # `[cosine()]` is `cosine()`
            if cfgs[0] is not None and cfgs[0].name == "warmup":
                self._warmup_length(items[0], cfgs[0])
            return None, cfgs[0]
        ok = all(cfg is not None for cfg in cfgs)
        if len(items) > 2:
            self.bag.error(codes.BAD_SCHEDULE_LIST, f"a schedule list has two entries, a warm-up and the schedule after it; "
                                   f"this one has {len(items)}", items[2].span,
                           "fold the later changes into the second schedule (e.g. multi_step(milestones=[…]))")
            ok = False
        first, second = cfgs[0], cfgs[1]
        warm_at = [i for i, cfg in enumerate(cfgs) if cfg is not None and cfg.name == "warmup"]
        if first is not None and first.name != "warmup":
            self.bag.error(codes.BAD_SCHEDULE_LIST, f"a schedule list must start with warmup(…), not `{first.name}`",
                           first.span or items[0].span,
                           f"put the warm-up first: [warmup(…), {first.name}(…)]" if warm_at else
                           f"write [warmup(epochs=…), {first.name}(…)], or `schedule: {first.name}(…)` alone")
            ok = False
        elif first is not None and second is not None and second.name == "warmup":
            self.bag.error(codes.BAD_SCHEDULE_LIST, "warmup is given twice in the schedule list", second.span,
                           "one warm-up, then one other schedule: [warmup(…), cosine(…)]",
                           [Note("the first warm-up is here", first.span)])
            ok = False
        if first is not None and first.name == "warmup" and \
                not self._warmup_length(items[0], first, (epochs, steps), what):
            ok = False
        if ok and first is not None and second is not None and second.name != "warmup":
            ok = self._chain_units(items[0], first, items[1], second)
        return (first, second) if ok else (None, None)

    def _split_calls(self, items: list) -> bool:
        """YAML cuts a flow list `[warmup(steps=1, start_lr=0), …]` at every comma, call or not: say so once."""
        start, end, depth = None, None, 0
        for it in items:
            if not isinstance(it, YScalar) or it.is_null or it.style in ('"', "'"):
                continue
            d = it.value.count("(") - it.value.count(")")
            if start is None and d > 0:
                start, depth = it, d
            elif start is not None:
                end, depth = it, depth + d
                if depth <= 0:
                    break
        if start is None:
            return False
        a, b = start.span, (end or start).span
        self.bag.error(codes.WRONG_STRUCTURE, f"YAML split `{start.value}, …` at its commas: in a flow list `[…]` a call with "
                               "several arguments must be quoted", Span(a.file, a.line, a.col, b.end_line, b.end_col),
                       'quote each call ("warmup(steps=1000, start_lr=0)") or write the list in block style, '
                       "one `- call(...)` a line")
        return True

    def _arg_span(self, node, cfg: Config, arg: str) -> Span | None:
        """The span of `arg=…` (or the positional argument) in a checked call; the call's span if not written."""
        e = self._expr(node) if isinstance(node, YScalar) and arg in cfg.given else None
        if isinstance(e, A.Call):
            names = list(SCHEDULES.get(cfg.name, {}))
            for i, a in enumerate(e.args):
                if i < len(names) and names[i] == arg:
                    return a.span
            for k in e.kwargs:
                if k.name == arg:
                    return k.pos.span
        return cfg.span

    def _warmup_length(self, node, w: Config, within: tuple[int | None, int | None] | None = None,
                       what: str = "training") -> bool:
        """A warm-up lasts `epochs=` or `steps=` (one of them, more than 0; before a schedule, less than
        `within`, the (epochs, steps) of training or of a stage)."""
        ep, st = w.args.get("epochs"), w.args.get("steps")
        if ep is None and st is None:
            self.bag.error(codes.MISSING_SETTING, "warmup() needs its length: `epochs` or `steps`", w.span,
                           "e.g. warmup(steps=1000) or warmup(epochs=5)")
            return False
        if ep is not None and st is not None:
            self.bag.error(codes.BAD_SETTING, "warmup(): give `epochs` or `steps`, not both", self._arg_span(node, w, "steps"))
            return False
        k = "epochs" if ep is not None else "steps"
        if w.args[k] == 0:
            self.bag.error(codes.BAD_SETTING, f"warmup(): `{k}` must be at least 1", self._arg_span(node, w, k))
            return False
        total = None if within is None else within[0] if k == "epochs" else within[1]
        if total is not None and w.args[k] >= total:
            self.bag.error(codes.BAD_SETTING, f"the warm-up ({w.args[k]} {k}) is not shorter than {what} ({total} {k}), "
                                   "so the schedule after it never starts",
                           self._arg_span(node, w, k), "shorten the warm-up, or train longer")
            return False
        return True

    def _chain_units(self, wnode, w: Config, snode, s: Config) -> bool:
        """The schedule after a warm-up counts from its end, so both must count epochs or both steps."""
        wunit = "epoch" if w.args.get("epochs") is not None else "step"
        a = s.args
        arg: str | None = None
        if s.name in ("step", "multi_step", "exponential"):
            unit, arg = a["unit"], "unit"
            why = "" if "unit" in s.given else " (its default unit)"
            fix = f'write {s.name}(…, unit="{wunit}") with its positions in {wunit}s'
        elif s.name in ("cosine", "poly"):
            if a.get("epochs") is not None and a.get("steps") is not None:
                self.bag.error(codes.BAD_SETTING, f"{s.name}(): give `epochs` or `steps`, not both", self._arg_span(snode, s, "steps"))
                return False
            arg = "epochs" if a.get("epochs") is not None else "steps" if a.get("steps") is not None else None
            unit, why = (arg[:-1] if arg else None), ""
            fix = f"give {s.name}({wunit}s=…), or leave the length out to decay over the rest of training"
        elif s.name in ("fixed_step", "inverse", "inverse_t", "linear"):
            unit, why = "step", " (it always counts steps)"
            fix = "count the warm-up in steps: warmup(steps=…)"
        else:  # fixed: no positions of its own
            unit, why, fix = None, "", ""
        if unit is None or unit == wunit:
            return True
        self.bag.error(codes.BAD_SETTING, f"`{s.name}` counts {unit}s{why} but the warm-up before it counts {wunit}s; "
                               f"a schedule after a warm-up counts from the warm-up's end in the same unit",
                       self._arg_span(snode, s, arg) if arg else s.span, fix,
                       [Note(f"the warm-up counts {wunit}s here", self._arg_span(wnode, w, wunit + "s"))])
        return False

    def _loss_expr(self, node: YScalar, kind: str, name: str) -> Node | None:
        e = self._expr(node)
        if e is None:
            return None
        el = self.el
        scale = None
        if kind == "loss" and isinstance(e, A.BinOp) and e.op == "*":  # `0.3 * cross_entropy(…)`: a weighted term
            for k, other in ((e.left, e.right), (e.right, e.left)):
                if isinstance(other, A.Call):
                    try:
                        scale = el.const_eval(k, el.glob, "a loss's scale")
                    except EvalError:
                        continue
                    e = other
                    break
            if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
                if scale is not None:
                    self.bag.error(codes.BAD_SETTING, f"a loss's scale must be a positive number, got {scale!r}",
                                   node.span)
                    return None
        el.prefix.append(name)
        n_before = el.graph.stamp
        try:
            v = el.eval(e, el.glob)
        except EvalError as err:
            if err.diag is not None:
                self.bag.add(err.diag)
            return None
        finally:
            el.prefix.pop()
        kinds = ("metric", "loss") if kind == "metric" else (kind,)  # a loss can be watched as a metric (mse, mae)
        if not isinstance(v, Value) or v.producer is None or v.producer.kind not in kinds:
            self.bag.error(codes.BAD_SETTING, f"`{node.value}` is not a {kind}", e.span,
                           "losses: cross_entropy, mse, mae, bce" if kind == "loss" else
                           "metrics: accuracy, top_k_accuracy, or a loss such as mse, mae")
            return None
        n = v.producer
        if n.graph is el.graph and n.stamp >= n_before:
            el.names_used.discard(n.name)
            n.name = v.name = el._unique(name)
        if scale is not None and scale != 1:
            self.cfg.loss_scales[n.name] = float(scale)
        return n

    def _loss(self, node) -> None:
        items = node.items if isinstance(node, YSeq) else [node]
        for i, it in enumerate(items):
            if not isinstance(it, YScalar):
                self.bag.error(codes.WRONG_STRUCTURE, "a loss is an expression such as cross_entropy(logits, label)", it.span)
                continue
            n = self._loss_expr(it, "loss", "loss" if len(items) == 1 else f"loss{i}")
            if n is not None:
                self.cfg.losses.append(n)

    def _metrics(self, node) -> None:
        if isinstance(node, YMap):
            pairs: list[tuple[str | None, YNode]] = [(k.value, v) for k, v in node.items]
        elif isinstance(node, YSeq):
            pairs = [(None, v) for v in node.items]
        else:
            pairs = [(None, node)]
        for name, it in pairs:
            if not isinstance(it, YScalar):
                self.bag.error(codes.WRONG_STRUCTURE, "a metric is an expression such as accuracy(logits, label)", it.span)
                continue
            if name is None:
                e = self._expr(it)
                name = e.func.id if isinstance(e, A.Call) and isinstance(e.func, A.Name) else "metric"
            n = self._loss_expr(it, "metric", name)
            if n is not None:
                self.cfg.metrics[name] = n

    def _phases(self, node) -> None:
        """`phases: {loss: [train], accuracy: test}`: where the loss (all losses) or a metric is computed."""
        if not isinstance(node, YMap):
            self.bag.error(codes.WRONG_STRUCTURE, "`phases` maps `loss` or a metric's name to phases, e.g. "
                           "{loss: [train], accuracy: [test]}", node.span)
            return
        names = ["loss"] * bool(self.cfg.losses) + list(self.cfg.metrics)
        out: dict[str, list[str]] = {}
        for k, v in node.items:
            if k.value not in names:
                guess = did_you_mean(k.value, names)
                self.bag.error(codes.UNKNOWN_KEY, f"`{k.value}` in phases is neither `loss` nor a metric", k.span,
                               f"did you mean `{guess}`?" if guess else f"names: {', '.join(names) or '(none)'}")
                continue
            ok, val = self._const(v, f"phases.{k.value}")
            val = [val] if isinstance(val, str) else val
            if not ok or not isinstance(val, list) or not val or any(p not in PHASES for p in val):
                if ok:
                    self.bag.error(codes.BAD_SETTING, f"phases.{k.value} must list phases among "
                                   f"{', '.join(PHASES)}", v.span)
                continue
            out[k.value] = val
        self.cfg.settings["phases"] = out

    def _partition(self, node) -> dict[str, int]:
        """`partition: {logits: 1}`: the dim each named layer is split on."""
        out: dict[str, int] = {}
        if not isinstance(node, YMap):
            self.bag.error(codes.WRONG_STRUCTURE, "`partition` maps graph names to a dim, e.g. {logits: 1}", node.span)
            return out
        for k, v in node.items:
            ok, val = self._const(v, f"partition.{k.value}")
            if ok and (not isinstance(val, int) or isinstance(val, bool) or val < 0):
                self.bag.error(codes.BAD_SETTING, f"partition.{k.value} must be a dim (0 or more)", v.span)
            elif ok:
                out[k.value] = val
        return out

    def _clip(self, bounds: list[float], span: Span | None) -> None:
        """`clip_grad: c` is [-c, c]; two numbers are [low, high]."""
        if len(bounds) == 1 and bounds[0] > 0:
            self.cfg.settings["clip_grad"] = [-bounds[0], bounds[0]]
        elif len(bounds) != 2 or bounds[0] >= bounds[1]:
            self.bag.error(codes.BAD_SETTING, f"clip_grad must be a positive bound or [low, high] with low < high, "
                           f"got {bounds}", span)

    def _data(self, node) -> None:
        if not isinstance(node, YMap):
            self.bag.error(codes.WRONG_STRUCTURE, "`data` must map roles (train, validate, test) to data sources", node.span)
            return
        for k, v in node.items:
            if k.value not in DATA_ROLES:
                guess = did_you_mean(k.value, DATA_ROLES)
                self.bag.error(codes.UNKNOWN_KEY, f"unknown data role `{k.value}`", k.span,
                               f"did you mean `{guess}`?" if guess else "roles: train, validate, test")
                continue
            if not isinstance(v, YMap):
                self.bag.error(codes.WRONG_STRUCTURE, f"data source `{k.value}` must be a mapping {{format: ..., path: ...}}",
                               v.span)
                continue
            fields, spans = self._fields(v, DATA_FIELDS, f"data.{k.value}")
            transforms: list[Config] = []
            tr = fields.pop("transforms", None)
            if tr is not None and tr != []:
                items = tr.items if isinstance(tr, YSeq) else [tr]
                for it in items:
                    cfg = self._config(it, TRANSFORMS, "transform")
                    if cfg is not None:
                        transforms.append(cfg)
            self.cfg.data[k.value] = DataSource(k.value, fields, transforms, v.span, spans)


def read_train(el: Elaborator, node: YMap | None) -> TrainConfig | None:
    if node is None:
        return None
    cfg = TrainReader(el).read(node)
    g = el.graph
    g.losses = cfg.losses
    g.metrics = cfg.metrics
    heads = {id(n) for n in cfg.losses} | {id(n) for n in cfg.metrics.values()}
    layer_users: set[int] = set()
    head_users: set[int] = set()
    for n in g.nodes:
        for v in n.inputs:
            (head_users if id(n) in heads else layer_users).add(id(v))
    for v in g.inputs:
        if id(v) in head_users and id(v) not in layer_users:
            g.input_roles[v.name] = "label"
        else:
            g.input_roles[v.name] = "sample"
    _check_data_shapes(el, cfg)
    return cfg


def _check_data_shapes(el: Elaborator, cfg: TrainConfig) -> None:
    """A data role's declared sample `shape` is the shape of the input it feeds, for every target:
    a reader that delivers [784] to an input of [1, 28, 28] is refused by the runtime, late."""
    g = el.graph
    samples = [v for v in g.inputs if g.input_roles.get(v.name) == "sample"]
    if len(samples) != 1 or samples[0].type is None:
        return  # several sample inputs share a record: nothing says which part is which
    v = samples[0]
    dims = tuple(v.ttype.shape[1:])
    if not all(isinstance(d, int) for d in dims):
        return
    for role, src in cfg.data.items():
        shape = src.fields.get("shape")
        if shape is not None:
            shape = shape_after_transforms(list(shape), src.transforms)
        if shape is not None and tuple(shape) != dims:
            el.bag.error(codes.BAD_SETTING, f"data.{role}.shape {list(shape)} does not match the input it feeds: "
                         f"`{v.name}` is {v.type}, samples of shape {list(dims)}",
                         src.field_spans.get("shape", src.span),
                         f"write shape: {list(dims)}, or declare the input as the data comes "
                         f"({v.ttype.dtype}[N, {', '.join(map(str, shape))}]) and reshape it in the graph")



SIZING_TRANSFORMS = ("random_crop", "center_crop", "random_resized_crop", "resize")


def shape_after_transforms(shape: list[int], transforms: list[Config]) -> list[int]:
    """A sample's shape [C, H, W] after the crops and resizes of its data role (`size`: one side or H, W)."""
    for t in transforms:
        if t.name in SIZING_TRANSFORMS and len(shape) >= 2:
            size = list(t["size"])
            shape = shape[:-2] + (size * 2 if len(size) == 1 else size)[:2]
    return shape
