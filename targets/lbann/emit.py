"""Lowering typed IR and the `train` section to an LBANN experiment (`LbannPB`, text format).

Tensors in LBANN are per sample: a layer never sees the mini-batch dimension, so
every axis an nncc op names is shifted by one, and an op that works across the
mini-batch (an axis of 0, a reshape that moves N) is a diagnostic. Anything LBANN
cannot express is reported with the span it came from (E501 for ops and their
forms, E510 for settings) and nothing is written.
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from typing import Any

from google.protobuf import text_format

from nncc import codes, training
from nncc.diagnostics import Span
from nncc.ir import Graph, Init, Node, TensorType, Value, Weight
from nncc.quoting import comment, script_env
from nncc.target import EmitContext
from nncc.train import Config, DataSource, TrainConfig

from . import LOWER
from . import lbann_pb2 as pb

L = pb.Layer
DATATYPE = {"float": pb.FLOAT, "double": pb.DOUBLE, "fp16": pb.FP16}

# Readers: format -> (LBANN reader name, per-sample dims it delivers or None when read from the file)
READERS: dict[str, tuple[str, tuple[int, ...] | None]] = {
    "mnist": ("mnist", (1, 28, 28)), "cifar10": ("cifar10", (3, 32, 32)), "imagenet": ("imagenet", None),
    "npz": ("numpy_npz", None), "hdf5": ("hdf5", None), "csv": ("csv", None),
}
MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "validate": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
IMAGE_READERS = ("cifar10", "imagenet")  # decode to 8-bit images; spatial transforms need these


class Unsupported(Exception):
    """A construct LBANN cannot express: message, span, help, and its code (a setting unless said)."""

    def __init__(self, msg: str, span: Span | None, help: str | None = None,
                 code: str = codes.UNSUPPORTED_SETTING):
        super().__init__(msg)
        self.msg, self.span, self.help, self.code = msg, span, help, code


def sanitize(name: str) -> str:
    """LBANN names end up in file names (checkpoints) and space-separated lists (callbacks)."""
    s = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return s or "_"


def _fmt(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x)) if abs(x) < 1e15 else repr(float(x))


class Emitter:
    def __init__(self, g: Graph, ctx: EmitContext):
        self.g = g
        self.ctx = ctx
        self.train: TrainConfig = ctx.train  # type: ignore[assignment]
        self.opts = ctx.options
        self.exp = pb.LbannPB()
        self.model = self.exp.model
        self.layers: list[pb.Layer] = []
        self.src: dict[int, str] = {}  # id(Value) -> name of the LBANN layer that produces it
        self.used: set[str] = set()
        self.wnames: dict[int, str] = {}  # id(Weight) -> LBANN weights name
        self.wused: set[str] = set()
        self.weight_list: list[Weight] = []
        self.softmax_of: dict[int, str] = {}  # id(logits Value) -> softmax layer name
        self.errors: list[Unsupported] = []
        dt = self.opts.get("data_type", "float")
        self.dtype = DATATYPE[dt]
        self.dev = {"cpu": "cpu", "gpu": "gpu"}.get(self.opts.get("device", "default"), "")

    # ---------------------------------------------------------------- helpers

    def fail(self, msg: str, span: Span | None, help: str | None = None,
             code: str = codes.UNSUPPORTED_SETTING) -> None:
        self.errors.append(Unsupported(msg, span, help, code))

    def unique(self, base: str) -> str:
        name = sanitize(base)
        cand, i = name, 1
        while cand in self.used:
            cand = f"{name}_{i}"
            i += 1
        self.used.add(cand)
        return cand

    def layer(self, name: str, parents: list[str], kind: str, weights: list[str] = ()) -> tuple[pb.Layer, Any]:
        lay = pb.Layer(name=self.unique(name))
        lay.parents.extend(parents)
        lay.weights.extend(weights)
        if self.dtype != pb.FLOAT:
            lay.datatype = self.dtype
        if self.dev:
            lay.device_allocation = self.dev
        sub = getattr(lay, kind)
        sub.SetInParent()
        self.layers.append(lay)
        return lay, sub

    def operator(self, name: str, parents: list[str], *ops: tuple[str, dict]) -> pb.Layer:
        lay, sub = self.layer(name, parents, "operator_layer")
        for op_name, fields in ops:
            o = sub.ops.add()
            o.input_datatype = self.dtype
            o.output_datatype = self.dtype
            o.parameters.Pack(getattr(pb, op_name)(**fields))
        return lay

    def x(self, v: Value) -> str:
        """The name of the layer that produces `v` (a parent for the layer a rule adds)."""
        return self.src[id(v)]

    def bind(self, n: Node, layer: pb.Layer) -> None:
        """`layer` produces the output of `n`: a lowering rule's last step (docs/adding-an-op.md)."""
        self.src[id(n.output)] = layer.name

    @staticmethod
    def sample(v: Value) -> tuple:
        return tuple(v.type.shape[1:])

    def axis(self, n: Node, axis: int, what: str) -> int:
        if axis == 0:
            raise Unsupported(f"`{n.op}` along axis 0 (the mini-batch) has no LBANN equivalent "
                              f"(target `lbann`)", n.span_of("axis"),
                              "LBANN layers see one sample at a time; use an axis of 1 or more")
        return axis - 1

    def static(self, n: Node, dims: tuple, what: str) -> list[int]:
        if not all(isinstance(d, int) for d in dims):
            raise Unsupported(f"`{n.op}` needs static {what} for LBANN, got {list(dims)} (target `lbann`)", n.span)
        return [int(d) for d in dims]

    def weight(self, w: Weight) -> str:
        src = w.share if w.share is not None else w
        key = id(src)
        if key not in self.wnames:
            name = sanitize(src.name)
            cand, i = name, 1
            while cand in self.wused:
                cand = f"{name}_{i}"
                i += 1
            self.wused.add(cand)
            self.wnames[key] = cand
            self.weight_list.append(src)
        return self.wnames[key]

    def weights_of(self, n: Node, *roles: str) -> list[str]:
        return [self.weight(n.weights[r]) for r in roles if r in n.weights]

    def const_value(self, v: Value) -> float | None:
        """The single value of a constant operand (scalar or all-equal), or None."""
        p = v.producer
        if p is None or p.op != "constant":
            return None
        import numpy as np

        arr = np.asarray(p.attrs["value"], dtype=float)
        if arr.size == 0 or not np.all(arr == arr.flat[0]):
            return None
        return float(arr.flat[0])

    # ---------------------------------------------------------------- graph

    def lower_graph(self) -> None:
        self.inputs()
        for n in self.g.nodes:
            fn = LOWER.get_rule(n.op)
            try:
                if fn is None:
                    raise Unsupported(f"target `lbann` has no equivalent of `{n.op}`", n.span)
                fn(self, n)
            except Unsupported as e:
                e.code = codes.UNSUPPORTED_OP  # found while lowering an op: the op, or this form of it
                self.errors.append(e)
                for v in n.outputs:  # keep going to report more than one problem
                    self.src.setdefault(id(v), sanitize(v.name))
        self.link_children()

    def inputs(self) -> None:
        samples = [v for v in self.g.inputs if self.g.input_roles.get(v.name) == "sample"]
        labels = [v for v in self.g.inputs if self.g.input_roles.get(v.name) == "label"]
        heads = list(self.g.losses) + list(self.g.metrics.values())
        reader_dims = self.reader_dims()
        if len(samples) == 1:
            v = samples[0]
            self.input_layer(v, "samples", reader_dims)
        elif samples:
            # LBANN has one `samples` field: the inputs are read as one flat tensor, in input order
            lay, sub = self.layer("samples", [], "input")
            sub.data_field = "samples"
            sizes = []
            for v in samples:
                sizes.append(math.prod(self.static_input(v)))
            sl, ssub = self.layer("samples_slice", [lay.name], "slice")
            ssub.axis = 0
            ssub.slice_points.extend([0] + [sum(sizes[:i + 1]) for i in range(len(sizes))])
            for v in samples:
                r, rsub = self.layer(v.name, [sl.name], "reshape")
                rsub.dims.extend(self.static_input(v))
                self.src[id(v)] = r.name
        if len(labels) > 1:
            self.fail(f"LBANN reads one label tensor per sample, the model has {len(labels)} "
                      f"({', '.join(v.name for v in labels)}) (target `lbann`)", labels[1].span)
        for v in labels:
            users = [n for n in heads if v in n.inputs]
            classes = ("cross_entropy", "accuracy", "top_k_accuracy")
            field = "responses" if users and not any(n.op in classes for n in users) else "labels"
            lay, sub = self.layer(v.name, [], "input")
            sub.data_field = field
            self.src[id(v)] = lay.name

    def static_input(self, v: Value) -> list[int]:
        dims = self.sample(v)
        if not all(isinstance(d, int) for d in dims):
            raise Unsupported(f"input `{v.name}` {v.type} needs static sample dims for LBANN (target `lbann`)", v.span)
        return [int(d) for d in dims]

    def input_layer(self, v: Value, field: str, reader_dims: tuple[int, ...] | None) -> None:
        dims = self.sample(v)
        if reader_dims is not None and tuple(dims) != reader_dims:
            n_model = math.prod(d for d in dims if isinstance(d, int)) if all(isinstance(d, int) for d in dims) else 0
            if n_model != math.prod(reader_dims):
                self.fail(f"input `{v.name}` {v.type} does not hold the {list(reader_dims)} samples the "
                          f"data reader delivers (target `lbann`)", v.span)
            lay, sub = self.layer(f"{v.name}_input", [], "input")
            sub.data_field = field
            r, rsub = self.layer(v.name, [lay.name], "reshape")
            rsub.dims.extend(int(d) for d in dims)
            self.src[id(v)] = r.name
            return
        lay, sub = self.layer(v.name, [], "input")
        sub.data_field = field
        self.src[id(v)] = lay.name

    def reader_dims(self) -> tuple[int, ...] | None:
        if self.opts.get("reader") or self.train is None:
            return None
        fmts = {d.format for d in self.train.data.values()}
        if len(fmts) == 1:
            return READERS.get(next(iter(fmts)), (None, None))[1]
        return None

    def link_children(self) -> None:
        by_name = {lay.name: lay for lay in self.layers}
        for lay in self.layers:
            for p in lay.parents:
                if p in by_name:
                    by_name[p].children.append(lay.name)

    def softmax(self, v: Value) -> str:
        """One Softmax layer per logits tensor, shared by losses and metrics (as LBANN's frontend writes it)."""
        if id(v) not in self.softmax_of:
            lay, _ = self.layer(f"{v.name}_softmax", [self.x(v)], "softmax")
            self.softmax_of[id(v)] = lay.name
        return self.softmax_of[id(v)]

    # ---------------------------------------------------------------- weights, objective, metrics

    def emit_weights(self) -> None:
        opt = self.train.optimizer
        for w in self.weight_list:
            wp = self.model.weights.add(name=self.wnames[id(w)])
            if self.dtype != pb.FLOAT:
                wp.datatype = self.dtype
            init(wp.initializer, w, self)
            if not w.trainable or w.lr_mult == 0:
                wp.optimizer.no_optimizer.SetInParent()
            elif w.lr_mult != 1 and opt is not None:
                self.optimizer(wp.optimizer, opt, w.lr_mult)

    def objective(self) -> None:
        of = self.model.objective_function
        for n in self.g.losses:
            of.layer_term.add(scale_factor=1.0, layer=self.src[id(n.output)])
        opt = self.train.optimizer
        wd = float(opt.get("weight_decay", 0.0)) if opt is not None and opt.name != "adamw" else 0.0
        if wd:
            groups: dict[float, list[str]] = {}
            for w in self.weight_list:
                if w.trainable and w.wd_mult and w.lr_mult:
                    groups.setdefault(w.wd_mult, []).append(self.wnames[id(w)])
            for mult, names in sorted(groups.items()):
                of.l2_weight_regularization.add(scale_factor=wd * mult, weights=names)
        for name, n in self.train.metrics.items():
            self.model.metric.add().layer_metric.CopyFrom(
                pb.Metric.LayerMetric(layer=self.src[id(n.output)], name=name, unit="%"))

    # ---------------------------------------------------------------- optimizer

    def optimizer(self, out: pb.Optimizer, c: Config, lr_mult: float = 1.0) -> None:
        lr = float(c.get("lr", 0.0)) * lr_mult
        warm = self.train.warmup or (self.train.schedule if self.train.schedule is not None and
                                     self.train.schedule.name == "warmup" else None)
        if warm is not None:  # the warm-up starts at start_lr
            lr = float(warm.get("start_lr", 0.0)) * lr_mult
        if c.name in ("sgd", "nesterov"):
            if float(c.get("dampening", 0.0)):
                raise Unsupported("sgd(dampening=…) has no LBANN equivalent (target `lbann`)", c.span,
                                  "LBANN's SGD has momentum and nesterov only")
            out.sgd.learn_rate = lr
            out.sgd.momentum = float(c.get("momentum", 0.0))
            out.sgd.nesterov = c.name == "nesterov" or bool(c.get("nesterov", False))
        elif c.name in ("adam", "adamw"):
            out.adam.learn_rate = lr
            out.adam.beta1 = float(c["beta1"])
            out.adam.beta2 = float(c["beta2"])
            out.adam.eps = float(c["eps"])
            if c.name == "adamw":
                out.adam.adamw_weight_decay = float(c.get("weight_decay", 0.0))
        elif c.name == "adagrad":
            out.adagrad.learn_rate = lr
            out.adagrad.eps = float(c["eps"])
        elif c.name == "rmsprop":
            if float(c.get("momentum", 0.0)):
                raise Unsupported("rmsprop(momentum=…) has no LBANN equivalent (target `lbann`)", c.span)
            out.rmsprop.learn_rate = lr
            out.rmsprop.decay_rate = float(c["decay"])
            out.rmsprop.eps = float(c["eps"])
        else:
            raise Unsupported(f"optimizer `{c.name}` has no LBANN equivalent (target `lbann`)", c.span,
                              "LBANN has sgd (momentum, nesterov), adam, adamw, adagrad and rmsprop")

    # ---------------------------------------------------------------- schedule and callbacks

    def steps_per_epoch(self) -> int | None:
        return training.steps_per_epoch(self.train)

    def to_epochs(self, steps: int, what: str, span: Span | None) -> int:
        spe = self.steps_per_epoch()
        if spe is None:
            raise Unsupported(f"{what} counts steps, but LBANN schedules this by epoch and the number of steps "
                              f"per epoch is unknown (target `lbann`)", span,
                              "give train.dataset_size, or count in epochs")
        ep = steps / spe
        whole = max(round(ep), 1 if steps else 0)
        if abs(ep - whole) > 1e-9:
            self.ctx.bag.warning(codes.APPROXIMATED_SETTING, f"{what}: step {steps} is epoch {ep:.3f}; LBANN schedules this by whole "
                                 f"epochs, so it happens at epoch {whole} ({spe:g} steps per epoch)", span,
                                 "use step counts that are whole epochs, or give the schedule in epochs")
        return whole

    def schedule(self) -> None:
        s = self.train.schedule
        if self.train.warmup is not None:
            return self.warmup_chain()
        if s is None or s.name == "fixed":
            return
        cbs = self.model.callback
        base_lr = float(self.train.optimizer.get("lr", 0.0)) if self.train.optimizer else 0.0
        groups = self.lr_groups()
        if s.name in ("step", "exponential"):
            every = int(s.get("every", 1))
            if s.get("unit") == "step":
                every = self.to_epochs(every, f"schedule {s.name}(every={every})", s.span)
            cbs.add().step_learning_rate.CopyFrom(pb.Callback.CallbackStepLearningRate(step=every,
                                                                                      amt=float(s["gamma"])))
        elif s.name == "multi_step":
            ms = list(s["milestones"])
            if s.get("unit") == "step":
                ms = [self.to_epochs(m, "schedule multi_step(milestones=…)", s.span) for m in ms]
            cbs.add().drop_fixed_learning_rate.CopyFrom(
                pb.Callback.CallbackDropFixedLearningRate(drop_epoch=ms, amt=float(s["gamma"])))
        elif s.name == "fixed_step":
            steps, values = list(s["steps"]), list(s["values"])
            if len(steps) != len(values):
                raise Unsupported("fixed_step(): `steps` and `values` differ in length (target `lbann`)", s.span)
            for st, val in zip(steps, values):
                ep = self.to_epochs(st, "schedule fixed_step(steps=…)", s.span) if self.train.steps else st
                if ep == 0 and math.isclose(val, base_lr):
                    continue
                for mult, names in groups:
                    cbs.add().set_learning_rate.CopyFrom(pb.Callback.CallbackSetLearningRate(
                        weights=" ".join(names), step=ep, val=val * mult))
        elif s.name == "cosine":
            total = s.get("steps") or (None if s.get("epochs") else self.train.steps)
            if total is None:
                spe = self.steps_per_epoch()
                epochs = s.get("epochs") or self.train.epochs
                if spe is None or epochs is None:
                    raise Unsupported("cosine(): LBANN decays by steps and the number of steps is unknown "
                                      "(target `lbann`)", s.span, "give cosine(steps=…) or train.dataset_size")
                total = round(spe * epochs)
            for mult, names in groups:
                cbs.add().cosine_decay_learning_rate.CopyFrom(pb.Callback.CallbackCosineDecayLearningRate(
                    weights=" ".join(names), lr_max=base_lr * mult, lr_min=float(s.get("min_lr", 0.0)) * mult,
                    decay_steps=int(total)))
        elif s.name == "poly":
            c = pb.Callback.CallbackPolyLearningRate(power=float(s.get("power", 1.0)))
            if s.get("steps") or (not s.get("epochs") and self.train.steps):
                c.max_iter = int(s.get("steps") or self.train.steps)
            else:
                c.num_epochs = int(s.get("epochs") or self.train.epochs or 0)
            cbs.add().poly_learning_rate.CopyFrom(c)
        elif s.name == "warmup":
            epochs = s.get("epochs")
            if epochs is None:
                raise Unsupported("warmup(steps=…): LBANN's linear warm-up counts epochs (target `lbann`)", s.span,
                                  "give warmup(epochs=…)")
            for mult, names in groups:
                cbs.add().linear_growth_learning_rate.CopyFrom(pb.Callback.CallbackLinearGrowthLearningRate(
                    weights=" ".join(names), target=base_lr * mult, num_epochs=int(epochs)))
        else:
            raise Unsupported(f"schedule `{s.name}` has no LBANN equivalent (target `lbann`)", s.span,
                              "LBANN has step, multi_step, fixed_step, exponential (per epoch), cosine, poly "
                              "and warmup")

    def warmup_chain(self) -> None:
        """`[warmup(...), s]`: linear warm-up from start_lr to the optimizer's lr, then `s` from the warm-up's end."""
        w, s, t = self.train.warmup, self.train.schedule, self.train
        cbs = self.model.callback
        base_lr = float(t.optimizer.get("lr", 0.0)) if t.optimizer else 0.0
        start = float(w.get("start_lr", 0.0))
        groups = self.lr_groups()
        unit = "epoch" if w.get("epochs") is not None else "step"
        wlen = int(w["epochs"] if unit == "epoch" else w["steps"])
        spe = self.steps_per_epoch()

        def need_spe(what: str, span: Span | None) -> float:
            if spe is None:
                raise Unsupported(f"{what}: LBANN needs the number of steps per epoch here and it is unknown "
                                  "(target `lbann`)", span, "give train.dataset_size")
            return spe

        if s.name == "cosine":
            # LBANN's cosine decay warms up linearly itself (warmup_steps, initial_warmup_learning_rate) and
            # then decays over decay_steps counted from the warm-up's end; it sets the rate at every step.
            warm = wlen if unit == "step" else round(need_spe(f"warmup(epochs={wlen}) before cosine(): LBANN's "
                                                              "cosine warm-up counts steps", w.span) * wlen)
            if s.get("steps") is not None:
                decay = int(s["steps"])
            elif s.get("epochs") is not None:
                decay = round(need_spe(f"cosine(epochs={s['epochs']}): LBANN's cosine decay counts steps",
                                       s.span) * s["epochs"])
            else:
                if t.steps is not None:
                    total = t.steps
                elif t.epochs is not None:
                    total = round(need_spe("cosine() after a warm-up decays over the rest of training, which "
                                           "LBANN counts in steps", s.span) * t.epochs)
                else:
                    raise Unsupported("cosine() after a warm-up decays over the rest of training, whose length is "
                                      "not given (target `lbann`)", s.span, "give train.steps or cosine(steps=…)")
                decay = total - warm
                if decay <= 0:
                    raise Unsupported(f"the warm-up ({warm} steps) is not shorter than training ({total} steps), "
                                      "so the cosine decay never starts (target `lbann`)", w.span,
                                      "shorten the warm-up, or give cosine(steps=…)")
            for mult, names in groups:
                cbs.add().cosine_decay_learning_rate.CopyFrom(pb.Callback.CallbackCosineDecayLearningRate(
                    weights=" ".join(names), lr_max=base_lr * mult, lr_min=float(s.get("min_lr", 0.0)) * mult,
                    decay_steps=decay, initial_warmup_learning_rate=start * mult, warmup_steps=warm))
            return
        if s.name == "poly":
            raise Unsupported("poly() after a warm-up: LBANN's poly_learning_rate sets the rate at every step "
                              "from step 0 and from the optimizer's starting rate, so it would undo the warm-up "
                              "(target `lbann`)", s.span, "use cosine() after the warm-up, or poly() alone")
        if s.name not in ("fixed", "step", "multi_step", "exponential", "fixed_step"):
            raise Unsupported(f"schedule `{s.name}` has no LBANN equivalent (target `lbann`)", s.span,
                              "after a warm-up LBANN has fixed, step, multi_step, fixed_step, exponential (per "
                              "epoch) and cosine")
        if len(groups) > 1 and s.name in ("step", "multi_step", "exponential"):
            raise Unsupported(f"{s.name}() after a warm-up with per-weight learning-rate multipliers: LBANN's "
                              "drop_fixed_learning_rate multiplies one rate shared by all weights, so the "
                              "multipliers would be lost at the first drop (target `lbann`)", s.span,
                              "use cosine() after the warm-up (written once per multiplier), or drop the "
                              "`*_lr=` multipliers")

        def epochs_of(pos: list[int], what: str, span: Span | None) -> list[int]:
            """Positions from the start of training, in the chain's unit, as the epochs LBANN changes the rate at."""
            if unit == "epoch":
                return pos
            n = need_spe(f"{what} counts steps", span)
            out = [max(round(p / n), 1) for p in pos]
            off = [(p, e) for p, e in zip(pos, out) if abs(p / n - e) > 1e-9]
            if off:
                (p, e), more = off[0], f" (and {len(off) - 1} more)" if len(off) > 1 else ""
                self.ctx.bag.warning(codes.APPROXIMATED_SETTING, f"{what}: step {p} is epoch {p / n:.3f}; LBANN changes the rate "
                                     f"only between epochs, so this happens at epoch {e}{more} ({n:g} steps per epoch)",
                                     span, "count the warm-up and the schedule in epochs")
            if len(set(out)) < len(out):
                raise Unsupported(f"{what}: two changes fall in one epoch, and LBANN changes the rate at most once "
                                  f"per epoch ({n:g} steps per epoch) (target `lbann`)", span,
                                  "count the warm-up and the schedule in epochs")
            return out

        warm = epochs_of([wlen], f"warmup(steps={wlen})", w.span)[0]
        for mult, names in groups:
            cbs.add().linear_growth_learning_rate.CopyFrom(pb.Callback.CallbackLinearGrowthLearningRate(
                weights=" ".join(names), target=base_lr * mult, num_epochs=warm))
        if s.name in ("step", "exponential"):
            every = int(s.get("every", 1))
            if unit == "epoch":
                total = t.epochs if t.epochs is not None else (
                    t.steps / need_spe(f"{s.name}() after a warm-up runs to the end of training, which", s.span)
                    if t.steps is not None else None)
            else:
                total = t.steps if t.steps is not None else (
                    need_spe(f"{s.name}() after a warm-up runs to the end of training, which", s.span) * t.epochs
                    if t.epochs is not None else None)
            if total is None:
                raise Unsupported(f"{s.name}() after a warm-up: LBANN needs its drops listed up to the end of "
                                  "training, whose length is not given (target `lbann`)", s.span,
                                  "give train.epochs or train.steps")
            pos = list(range(wlen + every, math.ceil(total), every))
            if pos:
                cbs.add().drop_fixed_learning_rate.CopyFrom(pb.Callback.CallbackDropFixedLearningRate(
                    drop_epoch=epochs_of(pos, f"schedule {s.name}(every={every})", s.span), amt=float(s["gamma"])))
        elif s.name == "multi_step":
            pos = [wlen + int(m) for m in s["milestones"]]
            cbs.add().drop_fixed_learning_rate.CopyFrom(pb.Callback.CallbackDropFixedLearningRate(
                drop_epoch=epochs_of(pos, "schedule multi_step(milestones=…)", s.span), amt=float(s["gamma"])))
        elif s.name == "fixed_step":
            steps, values = list(s["steps"]), list(s["values"])
            if len(steps) != len(values):
                raise Unsupported("fixed_step(): `steps` and `values` differ in length (target `lbann`)", s.span)
            eps = epochs_of([wlen + st for st in steps], "schedule fixed_step(steps=…)", s.span)
            for st, ep, val in zip(steps, eps, values):
                if st == 0 and math.isclose(val, base_lr):
                    continue  # the warm-up ends at lr
                for mult, names in groups:
                    cbs.add().set_learning_rate.CopyFrom(pb.Callback.CallbackSetLearningRate(
                        weights=" ".join(names), step=ep, val=val * mult))

    def lr_groups(self) -> list[tuple[float, list[str]]]:
        """Absolute-valued schedules are written once per learning-rate multiplier ("" = all weights)."""
        mults = {w.lr_mult for w in self.weight_list if w.trainable and w.lr_mult}
        if mults <= {1.0}:
            return [(1.0, [])]
        groups: dict[float, list[str]] = {}
        for w in self.weight_list:
            if w.trainable and w.lr_mult:
                groups.setdefault(w.lr_mult, []).append(self.wnames[id(w)])
        return sorted(groups.items())

    def callbacks(self) -> None:
        t = self.train
        cbs = self.model.callback
        items = list(t.callbacks) + ([t.checkpoint] if t.checkpoint is not None else [])
        display = t.get("display_every")
        have_print = any(c.name == "print" for c in items)
        for c in items:
            cb = pb.Callback()
            if c.name == "print":
                every = int(display or c.get("every", 1))
                cb.print.SetInParent()
                if every != 1:
                    cb.print.interval = every
            elif c.name == "timer":
                cb.timer.SetInParent()
            elif c.name == "checkpoint":
                if int(c.get("after", 0)):
                    raise Unsupported("checkpoint(after=…) has no LBANN equivalent (target `lbann`)", c.span)
                cb.checkpoint.checkpoint_dir = str(c.get("dir", "checkpoint"))
                if c.get("unit") == "step":
                    cb.checkpoint.checkpoint_steps = int(c.get("every", 1))
                else:
                    cb.checkpoint.checkpoint_epochs = int(c.get("every", 1))
            elif c.name == "save_model":
                cb.save_model.dir = str(c.get("dir", "model"))
            elif c.name == "early_stopping":
                m = c["metric"]
                losses = {"loss", "objective"} | {n.name for n in t.losses}
                if m not in losses:
                    raise Unsupported(f"early_stopping(metric=\"{m}\"): LBANN's early stopping watches the "
                                      f"validation objective, not a metric (target `lbann`)", c.span,
                                      f"use metric=\"{t.losses[0].name if t.losses else 'loss'}\"")
                cb.early_stopping.patience = int(c.get("patience", 5))
            elif c.name == "gpu_memory":
                cb.gpu_memory_usage.SetInParent()
            elif c.name == "summary":
                self.model.summarizer.dir = str(c.get("dir", "summaries"))
                cb.summary.batch_interval = int(c.get("every", 1))
            elif c.name == "debug":
                cb.debug.SetInParent()
            else:
                raise Unsupported(f"callback `{c.name}` has no LBANN equivalent (target `lbann`)", c.span)
            cbs.add().CopyFrom(cb)
        if display and not have_print:
            cbs.add().print.interval = int(display)
        if t.get("test_every"):
            metric = next(iter(t.metrics), "")
            cbs.add().evaluate_progress.CopyFrom(pb.Callback.CallbackEvaluateProgress(
                batch_interval=int(t.get("test_every")), metric=metric))

    # ---------------------------------------------------------------- trainer and run length

    def trainer(self) -> None:
        t = self.train
        tr = self.exp.trainer
        tr.mini_batch_size = t.batch_size
        if t.get("seed") is not None:
            tr.random_seed = int(t.get("seed"))
        if t.epochs is not None:
            self.model.num_epochs = t.epochs
        elif t.steps is not None:
            algo = pb.SGD()
            algo.stopping_criteria.max_batches = t.steps
            tr.training_algorithm.name = "sgd"
            tr.training_algorithm.parameters.Pack(algo)
        else:
            self.model.num_epochs = 1
        for key in ("test_steps", "validate_steps"):
            if t.get(key) is not None:
                raise Unsupported(f"train.{key} has no LBANN equivalent: LBANN evaluates the whole "
                                  f"{'test' if key == 'test_steps' else 'validation'} set (target `lbann`)",
                                  t.spans.get(key), "limit the set with data.<role>.samples or fraction")
        ve = t.get("validate_every")
        if ve is not None and ve != 1:
            raise Unsupported(f"train.validate_every: {ve}: LBANN validates after every epoch (target `lbann`)",
                              t.spans.get("validate_every"))
        # bptt on a model with gru: LBANN's gru layer back-propagates through all of its sequence itself
        bptt = t.get("algorithm") == "bptt" and any(n.op == "gru" for n in self.g.nodes)
        if t.get("algorithm") not in (None, "bp") and not bptt:
            raise Unsupported(f"train.algorithm: {t.get('algorithm')} has no LBANN equivalent; LBANN trains by "
                              "back-propagation (target `lbann`)", t.spans.get("algorithm"))
        self.distributed()

    def distributed(self) -> None:
        d = self.train.distributed
        # SINGA-style topology that describes one synchronous data-parallel trainer is what LBANN does anyway
        for key, ok in (("worker_groups", 1), ("server_groups", 1), ("servers_per_group", 1),
                        ("servers_per_proc", 1), ("workers_per_proc", 1)):
            if d.get(key) not in (None, ok):
                raise Unsupported(f"distributed.{key}: {d[key]} has no LBANN equivalent: LBANN trains one "
                                  f"synchronous data-parallel trainer without parameter servers (target `lbann`)",
                                  self.train.spans.get("distributed"))
        for key in ("separate_servers", "sync_freq"):
            if d.get(key):
                raise Unsupported(f"distributed.{key} has no LBANN equivalent: LBANN has no parameter servers "
                                  f"(target `lbann`)", self.train.spans.get("distributed"))

    # ---------------------------------------------------------------- data reader

    def data_reader(self) -> None:
        if self.opts.get("reader"):
            return
        t = self.train
        if not t.data:
            raise Unsupported("train.data is missing: LBANN needs a data reader (target `lbann`)",
                              self.ctx.model.root.span if hasattr(self.ctx.model, "root") else None,
                              "add train.data.train: {format: mnist, path: …}, or -O reader=FILE.prototext")
        classes = self.num_classes()
        for role in ("train", "validate", "test"):
            src = t.data.get(role)
            if src is not None:
                try:
                    self.reader(src, classes)
                except Unsupported as e:
                    self.errors.append(e)

    def num_classes(self) -> int:
        for n in list(self.g.losses) + list(self.g.metrics.values()):
            if n.op in ("cross_entropy", "accuracy", "top_k_accuracy"):
                d = n.inputs[0].type.shape[-1]
                if isinstance(d, int):
                    return d
        return 0

    def reader(self, src: DataSource, classes: int) -> None:
        fmt = src.format
        sp = src.field_spans
        if fmt not in READERS:
            raise Unsupported(f"data.{src.role}.format: {fmt} has no LBANN data reader (target `lbann`)",
                              sp.get("format", src.span),
                              "LBANN reads mnist, cifar10, imagenet, npz, hdf5 and csv; or give -O reader=FILE")
        name = READERS[fmt][0]
        r = self.exp.data_reader.reader.add(name=name, role=src.role)
        f = src.fields
        r.shuffle = bool(f.get("shuffle")) if f.get("shuffle") is not None else src.role == "train"
        path = f["path"]
        if fmt == "mnist":
            r.data_filedir = path
            r.data_filename, r.label_filename = MNIST_FILES[src.role]
            if f.get("labels"):
                r.label_filename = f["labels"]
        elif fmt == "cifar10":
            r.data_filedir = path
        elif fmt == "imagenet":
            r.data_filedir = path
            r.data_filename = f.get("labels") or os.path.join(path, "labels.txt")
            r.num_labels = classes
        elif fmt == "npz":
            r.data_filename = path
        elif fmt == "hdf5":
            r.data_filedir = os.path.dirname(path) or "."
            r.data_file_pattern = os.path.basename(path)
            r.hdf5_key_data = f.get("sample_key") or "data"
            if f.get("label_key"):
                r.hdf5_key_labels = f["label_key"]
        elif fmt == "csv":
            r.data_filename = path
            r.separator = ","
        if f.get("has_label") is False:
            r.disable_labels = True
        if fmt == "npz" and (f.get("sample_key") not in (None, "data") or f.get("label_key") not in (None, "labels")):
            raise Unsupported(f"data.{src.role}: LBANN's npz reader reads the arrays `data` and `labels`; "
                              f"other keys have no equivalent (target `lbann`)",
                              sp.get("sample_key", sp.get("label_key", src.span)))
        if fmt not in ("hdf5", "npz") and (f.get("sample_key") or f.get("label_key")):
            key = "sample_key" if f.get("sample_key") else "label_key"
            raise Unsupported(f"data.{src.role}.{key} has no meaning for LBANN's {name} reader (target `lbann`)",
                              sp.get(key, src.span))
        if f.get("validation_fraction") is not None:
            if src.role != "train":
                raise Unsupported(f"data.{src.role}.validation_fraction: LBANN splits validation data off the "
                                  f"train reader only (target `lbann`)", sp.get("validation_fraction"))
            r.validation_fraction = float(f["validation_fraction"])
        if f.get("fraction") is not None:
            r.fraction_of_data_to_use = float(f["fraction"])
        if f.get("samples") is not None:
            r.absolute_sample_count = int(f["samples"])
        if f.get("batch_size") is not None and f["batch_size"] != self.train.batch_size:
            raise Unsupported(f"data.{src.role}.batch_size: {f['batch_size']}: LBANN uses one mini-batch size "
                              f"({self.train.batch_size}) for every role (target `lbann`)", sp.get("batch_size"))
        for key in ("random_skip", "backend"):
            if f.get(key) is not None:
                raise Unsupported(f"data.{src.role}.{key} has no LBANN equivalent (target `lbann`)", sp.get(key))
        if f.get("shape") is not None:
            samples = [v for v in self.g.inputs if self.g.input_roles.get(v.name) == "sample"]
            want = [math.prod(self.static_input(v)) for v in samples]
            if math.prod(f["shape"]) != sum(want):
                raise Unsupported(f"data.{src.role}.shape {f['shape']} does not match the model's sample inputs "
                                  f"(target `lbann`)", sp.get("shape"))
        transforms(r, src, fmt, self)


# -------------------------------------------------------------------- initializers

def init(out: pb.Initializer, w: Weight, em: Emitter) -> None:
    k, i = w.init.kind, w.init
    if k == "constant":
        v = float(i.arg("value", 0.0))
        out.constant_initializer.SetInParent()
        if v:
            out.constant_initializer.value = v
    elif k == "uniform":
        out.uniform_initializer.min = float(i.arg("low"))
        out.uniform_initializer.max = float(i.arg("high"))
    elif k == "gaussian":
        out.normal_initializer.mean = float(i.arg("mean", 0.0))
        out.normal_initializer.standard_deviation = float(i.arg("std", 1.0))
    elif k in ("he_normal", "he_uniform", "lecun_normal", "lecun_uniform"):
        getattr(out, f"{k}_initializer").SetInParent()
    elif k in ("xavier_normal", "xavier_uniform"):
        getattr(out, f"glorot_{k.split('_')[1]}_initializer").SetInParent()
    else:
        em.fail(f"initializer `{k}` of `{w.name}` has no LBANN equivalent (target `lbann`)", w.span,
                code=codes.UNSUPPORTED_OP)


# -------------------------------------------------------------------- transforms

def transforms(r: pb.Reader, src: DataSource, fmt: str, em: Emitter) -> None:
    """LBANN's image readers decode 8-bit pixels and need the spatial transforms first, then one
    transform that turns bytes into floats; scale(1/255) followed by normalize is exactly
    `normalize_to_lbann_layout`. Spatial transforms commute with per-channel scaling, so they are
    moved ahead of it."""
    spatial: list[pb.Transform] = []
    values: list[Config] = []
    for c in src.transforms:
        if c.name in ("random_crop", "center_crop", "resize"):
            size = list(c["size"])
            if len(size) not in (1, 2) or min(size) < 1:
                raise Unsupported(f"{c.name}(size={size}): give one size or height and width, each at least 1 "
                                  "(target `lbann`)", c.span)
            h, w = (size[0], size[0]) if len(size) == 1 else size
            t = pb.Transform()
            getattr(t, c.name).height = h
            getattr(t, c.name).width = w
            spatial.append(t)
        elif c.name in ("horizontal_flip", "vertical_flip"):
            t = pb.Transform()
            getattr(t, c.name).p = float(c.get("p", 0.5))
            spatial.append(t)
        elif c.name in ("scale", "normalize"):
            values.append(c)
        elif c.name == "to_float":
            continue
        else:
            raise Unsupported(f"transform `{c.name}` has no LBANN equivalent (target `lbann`)", c.span,
                              "LBANN has normalize, scale, random_crop, center_crop, resize and the flips")
    if spatial and fmt not in IMAGE_READERS:
        c = next(c for c in src.transforms if c.name not in ("scale", "normalize", "to_float"))
        raise Unsupported(f"transform `{c.name}` needs one of LBANN's image readers (cifar10, imagenet), "
                          f"not {fmt} (target `lbann`)", c.span)
    r.transforms.extend(spatial)
    if fmt in IMAGE_READERS:
        if not values or values[0].name != "scale" or not math.isclose(values[0]["factor"], 1 / 255, rel_tol=1e-6):
            raise Unsupported(f"data.{src.role}: LBANN's {fmt} reader turns pixels into floats in [0, 1]; start the "
                              f"value transforms with scale(1/255) (target `lbann`)",
                              values[0].span if values else src.span)
        if len(values) > 1 and values[1].name == "normalize":
            t = r.transforms.add()
            n = values[1]
            t.normalize_to_lbann_layout.means = " ".join(_fmt(x) for x in n["mean"])
            t.normalize_to_lbann_layout.stddevs = " ".join(_fmt(x) for x in n["std"])
            values = values[2:]
        else:
            r.transforms.add().to_lbann_layout.SetInParent()
            values = values[1:]
    for c in values:
        t = r.transforms.add()
        if c.name == "scale":
            t.scale.scale = float(c["factor"])
        else:
            if len(c["mean"]) != len(c["std"]):
                raise Unsupported("normalize(): give as many std values as mean values (target `lbann`)", c.span)
            t.normalize.means = " ".join(_fmt(x) for x in c["mean"])
            t.normalize.stddevs = " ".join(_fmt(x) for x in c["std"])


# -------------------------------------------------------------------- layers, one function per op

def _conv(kind: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        a = n.attrs
        s = len(a["kernel"])
        pads = list(a["pads"])
        if pads[:s] != pads[s:]:
            raise Unsupported(f"`{n.op}` with asymmetric padding {pads} has no LBANN equivalent (target `lbann`)",
                              n.span_of("pad"), "LBANN pads both sides of a dimension equally")
        lay, c = em.layer(n.name, [em.x(n.inputs[0])], kind, em.weights_of(n, "weight", "bias"))
        c.num_dims = s
        c.out_channels = a["out_channels"]
        c.kernel_size.extend(a["kernel"])
        c.stride.extend(a["stride"])
        c.padding.extend(pads[:s])
        if kind == "deconvolution":
            c.output_padding.extend(a["output_pad"])
        c.groups.value = a["groups"]
        c.has_bias.value = bool(a["bias"])
        c.dilation.extend(a["dilation"])
        em.src[id(n.output)] = lay.name
    return f


def _pool(mode: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        a = n.attrs
        if a["ceil_mode"]:
            raise Unsupported(f"`{n.op}(ceil_mode=true)` has no LBANN equivalent (target `lbann`)",
                              n.span_of("ceil_mode"))
        k, st, pads = list(a["kernel"]), list(a["stride"]), list(a["pads"])
        if pads[:2] != pads[2:]:
            raise Unsupported(f"`{n.op}` with asymmetric padding {pads} has no LBANN equivalent (target `lbann`)",
                              n.span_of("pad"))
        m = mode
        if mode == "average" and not a.get("count_include_pad", False) and any(pads):
            m = "average_no_pad"
        pool(em, n.name, em.x(n.inputs[0]), m, k, st, pads[:2], n.output)
    return f


def pool(em: Emitter, name: str, parent: str, mode: str, k: list, st: list, pads: list, out: Value) -> None:
    lay, p = em.layer(name, [parent], "pooling")
    p.pool_mode = mode
    p.num_dims = len(k)
    if len(set(k)) == 1 and len(set(st)) == 1 and len(set(pads)) == 1:
        p.pool_dims_i, p.pool_strides_i = k[0], st[0]
        if pads[0]:
            p.pool_pads_i = pads[0]
    else:
        p.has_vectors = True
        p.pool_dims.extend(k)
        p.pool_strides.extend(st)
        p.pool_pads.extend(pads)
    em.src[id(out)] = lay.name


def _gap(em: Emitter, n: Node) -> None:
    dims = em.static(n, tuple(n.inputs[0].type.shape[2:]), "spatial dims")
    if len(dims) != 2:
        raise Unsupported(f"`global_avg_pool` over {len(dims)} spatial dims has no LBANN equivalent "
                          f"(target `lbann`)", n.span)
    pool(em, n.name, em.x(n.inputs[0]), "average", dims, dims, [0, 0], n.output)


def _linear(em: Emitter, n: Node) -> None:
    x = n.inputs[0]
    r = x.type.rank
    ws = em.weights_of(n, "weight", "bias")
    parent = em.x(x)
    if r == 2:
        lay, fc = em.layer(n.name, [parent], "fully_connected", ws)
        fc.num_neurons = n.attrs["out_features"]
        fc.has_bias = bool(n.attrs["bias"])
        em.src[id(n.output)] = lay.name
        return
    if r < 2:
        raise Unsupported("`linear` of a tensor without a feature dim has no LBANN equivalent (target `lbann`)",
                          n.span)
    # [N, ..., in]: the same affine map over every leading position (LBANN's channelwise_fully_connected)
    lead = x.type.shape[1:-1]
    if r > 3:
        rows = em.static(n, tuple(lead), "leading dims")
        rl, rs = em.layer(f"{n.name}_rows", [parent], "reshape")
        rs.dims.extend([math.prod(rows), em.static(n, (x.type.shape[-1],), "feature dim")[0]])
        parent = rl.name
    lay, fc = em.layer(n.name if r == 3 else f"{n.name}_fc", [parent], "channelwise_fully_connected", ws)
    fc.output_channel_dims.append(n.attrs["out_features"])
    fc.bias.value = bool(n.attrs["bias"])
    if r > 3:
        back, bs = em.layer(n.name, [lay.name], "reshape")
        bs.dims.extend([*em.static(n, tuple(lead), "leading dims"), n.attrs["out_features"]])
        lay = back
    em.src[id(n.output)] = lay.name


def _matmul(em: Emitter, n: Node) -> None:
    a, b = n.inputs
    if a.type.shape[:-2] != b.type.shape[:-2] or a.type.rank not in (3, 4):
        raise Unsupported(f"`matmul` of {a.type} and {b.type} has no LBANN equivalent: LBANN multiplies "
                          f"per-sample matrices or equal-sized batches of them (target `lbann`)", n.span)
    lay, _ = em.layer(n.name, [em.x(a), em.x(b)], "matmul")
    em.src[id(n.output)] = lay.name


def _bn(em: Emitter, n: Node) -> None:
    # LBANN keeps the running mean and variance itself; only scale and bias are weights here
    lay, bn = em.layer(n.name, [em.x(n.inputs[0])], "batch_normalization", em.weights_of(n, "scale", "bias"))
    bn.decay = float(n.attrs["momentum"])
    bn.epsilon = float(n.attrs["eps"])
    em.src[id(n.output)] = lay.name


def _ln(em: Emitter, n: Node) -> None:
    lay, ln = em.layer(n.name, [em.x(n.inputs[0])], "layer_norm", em.weights_of(n, "scale", "bias"))
    ln.epsilon.value = float(n.attrs["eps"])
    ln.scale = True
    ln.bias = True
    if n.inputs[0].type.rank > 2:
        ln.start_dim = n.inputs[0].type.rank - 2  # normalise over the last dim only
    em.src[id(n.output)] = lay.name


def _lrn(em: Emitter, n: Node) -> None:
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "local_response_normalization")
    p.window_width = n.attrs["size"]
    p.lrn_alpha = float(n.attrs["alpha"])
    p.lrn_beta = float(n.attrs["beta"])
    p.lrn_k = float(n.attrs["k"])
    em.src[id(n.output)] = lay.name


def _dropout(em: Emitter, n: Node) -> None:
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "dropout")
    p.keep_prob = 1.0 - float(n.attrs["p"])
    em.src[id(n.output)] = lay.name


def _plain(kind: str, **fields: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        lay, p = em.layer(n.name, [em.x(v) for v in n.inputs], kind)
        for field, attr in fields.items():
            setattr(p, field, n.attrs[attr])
        em.src[id(n.output)] = lay.name
    return f


def _op(*ops: tuple[str, dict]) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        em.bind(n, em.operator(n.name, [em.x(v) for v in n.inputs], *ops))
    return f


def _softmax(kind: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        x = n.inputs[0]
        ax = n.attrs["axis"]
        if ax == 0:
            em.axis(n, 0, "axis")
        if x.type.rank == 2:
            lay, _ = em.layer(n.name, [em.x(x)], kind)
        elif kind == "softmax":
            lay, p = em.layer(n.name, [em.x(x)], "channelwise_softmax")
            p.dim = ax - 1
            p.single_dim_mode = True
        else:
            raise Unsupported(f"`log_softmax` over one axis of {x.type} has no LBANN equivalent (target `lbann`)",
                              n.span, "LBANN's log_softmax covers the whole sample; flatten first")
        em.src[id(n.output)] = lay.name
    return f


BINARY = {"add": "AddOperator", "sub": "SubtractOperator", "mul": "MultiplyOperator", "div": "DivideOperator"}


def _binary(em: Emitter, n: Node) -> None:
    a, b = n.inputs
    ca, cb = em.const_value(a), em.const_value(b)
    x = em.x
    if ca is not None and cb is not None:
        raise Unsupported(f"`{n.op}` of two constants should have been folded (target `lbann`)", n.span)
    if cb is not None:
        c = cb
        ops = {"add": ("AddConstantOperator", {"constant": c}), "sub": ("SubtractConstantOperator", {"constant": c}),
               "mul": ("ScaleOperator", {"constant": c}),
               "div": ("ScaleOperator", {"constant": 1.0 / c}) if c else None}[n.op]
        if ops is None:
            raise Unsupported("division by the constant 0 (target `lbann`)", n.span)
        if a.type.shape != n.output.type.shape:
            raise Unsupported(f"`{n.op}` broadcasting {a.type} to {n.output.type} has no LBANN equivalent "
                              f"(target `lbann`)", n.span)
        em.src[id(n.output)] = em.operator(n.name, [x(a)], ops).name
        return
    if ca is not None:
        c = ca
        chain: list[tuple[str, dict]] = {
            "add": [("AddConstantOperator", {"constant": c})],
            "sub": [("ConstantSubtractOperator", {"constant": c})],
            "mul": [("ScaleOperator", {"constant": c})],
            "div": [("ReciprocalOperator", {}), ("ScaleOperator", {"constant": c})]}[n.op]
        if b.type.shape != n.output.type.shape:
            raise Unsupported(f"`{n.op}` broadcasting {b.type} to {n.output.type} has no LBANN equivalent "
                              f"(target `lbann`)", n.span)
        em.src[id(n.output)] = em.operator(n.name, [x(b)], *chain).name
        return
    if a.type.shape != b.type.shape:
        raise Unsupported(f"`{n.op}` of {a.type} and {b.type} broadcasts, which LBANN's entry-wise layers do not "
                          f"(target `lbann`)", n.span, "give both operands the same shape")
    em.src[id(n.output)] = em.operator(n.name, [x(a), x(b)], (BINARY[n.op], {})).name


def _constant(em: Emitter, n: Node) -> None:
    users = [m for m in em.g.nodes if n.output in m.inputs]
    if users and all(m.op in BINARY for m in users) and em.const_value(n.output) is not None:
        return  # folded into the users' *ConstantOperator
    c = em.const_value(n.output)
    if c is None or not n.output.type.shape:
        raise Unsupported("a constant tensor with different values has no LBANN layer (target `lbann`)", n.span)
    lay, p = em.layer(n.name, [], "constant")
    p.value = c
    p.num_neurons.extend(int(d) for d in n.output.type.shape)
    em.src[id(n.output)] = lay.name


def _concat(em: Emitter, n: Node) -> None:
    ax = em.axis(n, n.attrs["axis"], "axis")
    lay, p = em.layer(n.name, [em.x(v) for v in n.inputs], "concatenation")
    p.axis = ax
    em.src[id(n.output)] = lay.name


def _split(em: Emitter, n: Node) -> None:
    ax = em.axis(n, n.attrs["axis"], "axis")
    sizes = list(n.attrs["sizes"])
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "slice")
    p.axis = ax
    p.slice_points.extend([0] + [sum(sizes[:i + 1]) for i in range(len(sizes))])
    # output i of an LBANN slice goes to child i: one identity per output, which may fan out
    for v in n.outputs:
        ident, _ = em.layer(v.name, [lay.name], "identity")
        em.src[id(v)] = ident.name


def _slice(em: Emitter, n: Node) -> None:
    a = n.attrs
    x = n.inputs[0]
    parent = em.x(x)
    shape = list(x.type.shape)
    items = list(zip(a["starts"], a["ends"], a["axes"], a["steps"]))
    last = None
    for i, (s, e, ax, st) in enumerate(items):
        d = shape[ax]
        if ax == 0:
            if s == 0 and e >= 2 ** 62 and st == 1:
                continue
            em.axis(n, 0, "axis")
        if st != 1:
            raise Unsupported(f"slicing with step {st} has no LBANN equivalent (target `lbann`)", n.span)
        lo, hi, _ = slice(s, e if e < 2 ** 62 else None, 1).indices(d)
        lay, p = em.layer(f"{n.name}_slice{i}" if len(items) > 1 or a["squeeze"] else n.name, [parent], "slice")
        p.axis = ax - 1
        p.slice_points.extend([lo, hi])
        shape[ax] = hi - lo
        parent = last = lay.name
    if a["squeeze"] or last is None:
        lay, p = em.layer(n.name, [parent], "reshape" if a["squeeze"] else "identity")
        if a["squeeze"]:
            p.dims.extend(em.static(n, tuple(n.output.type.shape[1:]), "dims"))
        last = lay.name
    em.src[id(n.output)] = last


def _reshape(em: Emitter, n: Node) -> None:
    x, out = n.inputs[0], n.output
    users = [m for m in em.g.nodes if out in m.inputs]
    if n.op == "flatten" and out.type.rank == 2 and users and all(
            m.op == "linear" and m.inputs[0] is out for m in users) and out not in em.g.outputs:
        em.src[id(out)] = em.x(x)  # LBANN's fully_connected flattens its input itself
        return
    if out.type.rank == 0 or out.type.shape[0] != x.type.shape[0]:
        raise Unsupported(f"`{n.op}` from {x.type} to {out.type} moves the mini-batch dimension, which LBANN "
                          f"cannot (target `lbann`)", n.span, "keep dim 0 and reshape the rest")
    lay, p = em.layer(n.name, [em.x(x)], "reshape")
    dims = list(out.type.shape[1:])
    sym = [i for i, d in enumerate(dims) if not isinstance(d, int)]
    if len(sym) > 1:
        raise Unsupported(f"`{n.op}` to {out.type}: LBANN infers at most one dim (target `lbann`)", n.span)
    p.dims.extend(-1 if i in sym else int(d) for i, d in enumerate(dims))
    em.src[id(out)] = lay.name


def _transpose(em: Emitter, n: Node) -> None:
    perm = list(n.attrs["perm"])
    if perm[0] != 0:
        raise Unsupported(f"`transpose` with perm {perm} moves the mini-batch dimension, which LBANN cannot "
                          f"(target `lbann`)", n.span_of("perm"))
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "permute")
    p.axes.extend(q - 1 for q in perm[1:])
    em.src[id(n.output)] = lay.name


def _embedding(em: Emitter, n: Node) -> None:
    lay, p = em.layer(n.name, [em.x(n.inputs[0])], "embedding", em.weights_of(n, "weight"))
    p.num_embeddings = n.attrs["num_embeddings"]
    p.embedding_dim = n.attrs["dim"]
    em.src[id(n.output)] = lay.name


# LBANN's gru layer (upstream src/layers/learning/gru.cpp; cuDNN on GPU, oneDNN on CPU) computes PyTorch's GRU,
# i.e. nncc's (linear_before_reset, two biases). It differs from nncc in three ways handled here:
# * parents: the sequence [T, F] per sample and an initial state [num_layers, H]; nncc starts from zeros, so a
#   zero `constant` layer [1, H] is the second parent;
# * output: always the whole sequence [T, H]; return_sequences=false keeps the last step with slice + reshape;
# * weights: exactly four per layer, in this order: ih_matrix [3H, F], hh_matrix [3H, H], ih_bias [3H],
#   hh_bias [3H], with the gate blocks stacked r, z, n (reset, update, new), while nncc stacks z, r, h (ONNX).
#   LBANN initialises the weights from the initializers nncc emits (values are never written), and every
#   initializer nncc maps draws each entry independently or from the matrix dims (fan-in F or H, fan-out 3H, the
#   same for both orders), so swapping the z and r row blocks changes no distribution. The block order matters
#   only to someone loading trained values across tools: LBANN rows [0:H] are nncc rows [H:2H] and vice versa.
#   Weights tied (`share`) to a non-gru op would mean different things per row block, so that is an error.
#   bias=false: LBANN still needs the two bias weights; they are zero constants without an optimizer (frozen).
def _gru(em: Emitter, n: Node) -> None:
    x, out, h = n.inputs[0], n.output, n.attrs["hidden"]
    t, f = em.static(n, tuple(x.type.shape[1:]), "sequence length and features")
    for w in n.weights.values():
        src = w.share if w.share is not None else w
        tied = [(m, v) for m in em.g.nodes for v in m.weights.values()
                if (v.share if v.share is not None else v) is src]
        if src.role != w.role or any(m.op != "gru" or v.role != w.role for m, v in tied):
            raise Unsupported(f"`gru` weight `{w.name}` is tied to `{src.name}`, which is not the same gru weight: "
                              f"LBANN stacks the gates r, z, n where nncc stacks z, r, h (target `lbann`)", w.span)
    ws = em.weights_of(n, "weight", "recurrent_weight", "bias", "recurrent_bias")
    if not n.attrs["bias"]:
        for role in ("bias", "recurrent_bias"):
            zero = Weight(f"{n.name}.{role}", TensorType(x.type.dtype, (3 * h,)), role,
                          Init("constant", (("value", 0.0),)), trainable=False)
            ws.append(em.weight(zero))
    h0, c = em.layer(f"{n.name}_h0", [], "constant")
    c.value = 0.0
    c.num_neurons.extend([1, h])  # num_layers x hidden_size
    lay, p = em.layer(n.name if n.attrs["return_sequences"] else f"{n.name}_seq", [em.x(x), h0.name], "gru", ws)
    p.hidden_size = h
    p.num_layers.value = 1
    if not n.attrs["return_sequences"]:
        last, s = em.layer(f"{n.name}_last", [lay.name], "slice")
        s.axis = 0
        s.slice_points.extend([t - 1, t])
        lay, r = em.layer(n.name, [last.name], "reshape")
        r.dims.append(h)
    em.src[id(out)] = lay.name


def _class_head(kind: str) -> Callable[[Emitter, Node], None]:
    def f(em: Emitter, n: Node) -> None:
        logits, label = n.inputs
        if label.producer is not None or em.g.input_roles.get(label.name) != "label":
            raise Unsupported(f"`{n.op}` against `{label.name}`: LBANN compares with the labels its data "
                              f"reader delivers, so the target must be an input (target `lbann`)", n.span_of(1))
        lay, p = em.layer(n.name, [em.softmax(logits), em.x(label)], kind)
        if kind == "top_k_categorical_accuracy":
            p.k = n.attrs["k"]
        em.src[id(n.output)] = lay.name
    return f


def _mse(em: Emitter, n: Node) -> None:
    lay, _ = em.layer(n.name, [em.x(v) for v in n.inputs], "mean_squared_error")
    em.src[id(n.output)] = lay.name


def _bce(em: Emitter, n: Node) -> None:
    per_entry = em.operator(f"{n.name}_entries", [em.x(v) for v in n.inputs],
                            ("SigmoidBinaryCrossEntropyOperator", {}))
    lay, p = em.layer(n.name, [per_entry.name], "reduction")
    p.mode = "mean"
    em.src[id(n.output)] = lay.name


# -------------------------------------------------------------------- launch script

def launch_script(ctx: EmitContext, train: TrainConfig, prototext: str) -> str:
    from importlib import resources

    opts = ctx.options
    d = train.distributed
    nodes = int(d.get("nodes") or 1)
    ppn = int(d.get("procs_per_node") or (len(d["gpus"]) if d.get("gpus") else 1))
    wpg = d.get("workers_per_group")
    ppt = d.get("procs_per_trainer") or wpg
    total = nodes * ppn
    if opts.get("reader"):
        args = [f"--model={prototext}", f"--optimizer={prototext}", f"--reader={opts['reader']}"]
    else:
        args = [f"--prototext={prototext}"]
    if ppt:
        args.append(f"--procs_per_trainer={ppt}")
    launcher = opts.get("launcher", "slurm")
    root = resources.files("nncc.templates")
    env = script_env(lambda name: root.joinpath(*name.split("/")).read_text("utf-8"))
    return env.get_template(f"lbann/{launcher}.sh.j2").render(
        model=ctx.model.name, script=f"{ctx.stem}.sh", job_name=opts.get("job_name") or ctx.model.name, nodes=nodes, procs_per_node=ppn,
        procs=total, procs_per_trainer=ppt, trainers=(total // ppt) if ppt else 1,
        partition=opts.get("partition", ""), account=opts.get("account", ""), time=opts.get("time", ""),
        lbann=opts.get("lbann", "lbann"), args=args, prototext=prototext, workspace=d.get("workspace") or "",
        gpus=",".join(str(g) for g in d["gpus"]) if d.get("gpus") else "", time_minutes=_minutes(opts.get("time")))


def _minutes(t: str | None) -> int:
    if not t:
        return 0
    parts = [int(p) for p in t.replace("-", ":").split(":")]
    if "-" in t:  # D-HH:MM:SS
        days, rest = parts[0], parts[1:]
    else:
        days, rest = 0, parts
    while len(rest) < 3:
        rest = [0] + rest
    h, m, s = rest[-3:]
    return max(1, days * 1440 + h * 60 + m + (1 if s else 0))


def check_options(ctx: EmitContext, em: Emitter) -> None:
    t = str(ctx.options.get("time") or "")
    if t and not re.fullmatch(r"([0-9]{1,5}-)?[0-9]{1,3}(:[0-9]{2}){0,2}", t):
        em.fail(f"targets.lbann.time: `{t}` is not a wall-clock limit such as 01:30:00 (target `lbann`)", None)
    d = ctx.train.distributed if ctx.train else {}
    ppt = d.get("procs_per_trainer")
    total = int(d.get("nodes") or 1) * int(d.get("procs_per_node") or 1)
    if ppt and total % ppt:
        em.fail(f"distributed.procs_per_trainer ({ppt}) does not divide the {total} processes "
                f"(nodes × procs_per_node) (target `lbann`)", ctx.train.spans.get("distributed"))


# -------------------------------------------------------------------- entry point

def build(g: Graph, ctx: EmitContext) -> tuple[pb.LbannPB, list[Unsupported]]:
    em = Emitter(g, ctx)
    check_options(ctx, em)
    em.lower_graph()
    em.model.layer.extend(em.layers)
    em.model.name = sanitize(ctx.model.name)
    for step in (em.emit_weights, em.objective, lambda: em.optimizer(em.exp.optimizer, ctx.train.optimizer),
                 em.callbacks, em.schedule, em.trainer, em.data_reader):
        try:
            if step is not None:
                step()
        except Unsupported as e:
            em.errors.append(e)
    return em.exp, em.errors


def emit(g: Graph, ctx: EmitContext) -> dict[str, bytes]:
    if ctx.train is None or ctx.train.optimizer is None:
        ctx.bag.error(codes.NEEDS_TRAIN, "target `lbann` trains the model and needs train.optimizer", None)
        return {}
    exp, errors = build(g, ctx)
    for e in errors:
        ctx.bag.error(e.code, e.msg, e.span, e.help)
    if errors:
        return {}
    text = f"# {comment(ctx.model.name)}: written by nncc for LBANN (lbann --prototext={comment(ctx.stem)}.prototext)\n"
    text += text_format.MessageToString(exp)
    proto_name = f"{ctx.stem}.prototext"
    return {proto_name: text.encode(), f"{ctx.stem}.sh": launch_script(ctx, ctx.train, proto_name).encode()}
