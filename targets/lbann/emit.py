"""Lowering typed IR and the `train` section to an LBANN experiment (`LbannPB`, text format).

Tensors in LBANN are per sample: a layer never sees the mini-batch dimension, so
every axis an nncc op names is shifted by one, and an op that works across the
mini-batch (an axis of 0, a reshape that moves N) is a diagnostic. Anything LBANN
cannot express is reported with the span it came from (E501 for ops and their
forms, E510 for settings) and nothing is written.
"""
from __future__ import annotations

import math
import re

from nncc.ir import Graph, Value, Weight
from nncc.output import Stream
from nncc.quoting import comment
from nncc.target import EmitContext
from nncc.textproto import message_to_string

from . import LOWER, amp, initial, pyreader, rules
from . import lbann_pb2 as pb
from .base import sanitize
from .refusals import Unsupported, refuse, report, report_all
from .data import READERS, DataReaders
from .launch import launch_script
from .training import Training


class Emitter(Training, DataReaders):
    """An LBANN experiment from a typed graph: training.py and data.py hold those parts; the layer graph,
    weights and objective are here."""

    # ---------------------------------------------------------------- graph

    def lower_graph(self) -> None:
        self.inputs()
        for n in self.g.nodes:
            fn = LOWER.get_rule(n.op)
            try:
                if fn is None:
                    raise refuse("op", f"target `lbann` has no equivalent of `{n.op}`", n.span)
                fn(self, n)
            except Unsupported as e:  # each with its catalogue entry's code (refusals.py): E501, a limit E005
                self.errors.append(e)
                for v in n.outputs:  # keep going to report more than one problem
                    self.src.setdefault(id(v), sanitize(v.name))
        self.link_children()

    def inputs(self) -> None:
        samples = [v for v in self.g.inputs if self.g.input_roles.get(v.name) == "sample"]
        if pyreader.uses_python(self):
            try:
                pyreader.inputs(self, self.static_input(samples[0]) if samples else [])
            except Unsupported as e:
                self.errors.append(e)
            return
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
            self.fail("labels-count", f"LBANN reads one label tensor per sample, the model has {len(labels)} "
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
            raise refuse("input-dims",
                         f"input `{v.name}` {v.type} needs static sample dims for LBANN (target `lbann`)", v.span)
        return [int(d) for d in dims]

    def input_layer(self, v: Value, field: str, reader_dims: tuple[int, ...] | None) -> None:
        dims = self.sample(v)
        if reader_dims is not None and tuple(dims) != reader_dims:
            n_model = math.prod(d for d in dims if isinstance(d, int)) if all(isinstance(d, int) for d in dims) else 0
            if n_model != math.prod(reader_dims):
                self.fail("input-reader-dims",
                          f"input `{v.name}` {v.type} does not hold the {list(reader_dims)} samples the "
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
            if self.ctx.weights_path is None or not w.has_values:  # else its file (initial.py)
                init(wp.initializer, w, self)
            if not w.trainable or w.lr_mult == 0:
                wp.optimizer.no_optimizer.SetInParent()
            elif w.lr_mult != 1 and opt is not None:
                self.optimizer(wp.optimizer, opt, w.lr_mult)

    def objective(self) -> None:
        of = self.model.objective_function
        for n in self.g.losses:
            of.layer_term.add(scale_factor=self.train.loss_scales.get(n.name, 1.0), layer=self.src[id(n.output)])
        opt = self.train.optimizer
        wd = float(opt.get("weight_decay", 0.0)) if opt is not None and opt.name != "adamw" else 0.0
        if wd:
            groups: dict[float, list[str]] = {}
            for w in self.weight_list:
                if w.trainable and w.wd_mult and w.lr_mult:
                    groups.setdefault(w.wd_mult, []).append(self.wnames[id(w)])
            for mult, names in sorted(groups.items()):
                of.l2_weight_regularization.add(scale_factor=wd * mult, weights=names)
        for name, n in self.train.metrics.items():  # accuracies in percent (as LBANN's layers give them)
            self.model.metric.add().layer_metric.CopyFrom(pb.Metric.LayerMetric(
                layer=self.src[id(n.output)], name=name, unit="%" if n.kind == "metric" else ""))


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
        em.fail("initializer", f"initializer `{k}` of `{w.name}` has no LBANN equivalent (target `lbann`)", w.span)


def check_options(ctx: EmitContext, em: Emitter) -> None:
    t = str(ctx.options.get("time") or "")
    if t and not re.fullmatch(r"([0-9]{1,5}-)?[0-9]{1,3}(:[0-9]{2}){0,2}", t):
        em.fail("time-limit",
                f"targets.lbann.time: `{t}` is not a wall-clock limit such as 01:30:00 (target `lbann`)", None)
    if ctx.options.get("amp") and ctx.options.get("data_type", "float") != "float":
        em.fail("amp-data-type",
                f"targets.lbann.amp with data_type {ctx.options['data_type']}: LBANN's mixed precision chooses each "
                "layer's type and keeps the weights in float (target `lbann`)", None,
                "leave data_type at float with amp")
    d = ctx.train.distributed if ctx.train else {}
    ppt = d.get("procs_per_trainer")
    total = int(d.get("nodes") or 1) * int(d.get("procs_per_node") or 1)
    if ppt and total % ppt:
        em.fail("procs-per-trainer", f"distributed.procs_per_trainer ({ppt}) does not divide the {total} processes "
                f"(nodes × procs_per_node) (target `lbann`)", em.train.spans.get("distributed"))


# -------------------------------------------------------------------- entry point

def build(g: Graph, ctx: EmitContext) -> tuple[pb.LbannPB, list[Unsupported], Emitter]:
    em = Emitter(g, ctx)
    check_options(ctx, em)
    em.lower_graph()
    em.model.layer.extend(em.layers)
    em.model.name = sanitize(ctx.model.name)
    opt = em.train.optimizer
    assert opt is not None, "emit() compiles only a model with train.optimizer"
    for step in (em.emit_weights, em.objective, lambda: em.optimizer(em.exp.optimizer, opt),
                 em.callbacks, em.schedule, em.trainer, em.data_reader):
        try:
            if step is not None:
                step()
        except Unsupported as e:
            em.errors.append(e)
    if ctx.options.get("amp") and not em.errors:
        amp.apply(em.exp)
    try:
        em.npy_files = initial.given(em)
    except Unsupported as e:
        em.errors.append(e)
    return em.exp, em.errors, em


def emit(g: Graph, ctx: EmitContext) -> dict[str, bytes | Stream]:
    if ctx.train is None or ctx.train.optimizer is None:
        report(ctx.bag, "needs-train", "target `lbann` trains the model and needs train.optimizer", None)
        return {}
    exp, errors, em = build(g, ctx)
    report_all(ctx.bag, errors)
    if errors:
        return {}
    spans = {sanitize(n.name): n.span for n in g.nodes}
    for v in rules.check(exp):
        report(ctx.bag, "start-up-rule", f"LBANN would refuse this experiment at start-up: {v.message} "
               f"(rule {v.rule}, target `lbann`)", spans.get(v.layer or ""),
               "this is a bug in nncc's LBANN target; please report it with the model file")
    if ctx.bag.has_errors:
        return {}
    text = f"# {comment(ctx.model.name)}: written by nncc for LBANN (lbann --prototext={comment(ctx.stem)}.prototext)\n"
    proto_name = f"{ctx.stem}.prototext"
    files = {proto_name: b""}
    if em.py_specs:
        module = f"{pyreader.module_name(ctx.stem)}.py"
        text += f"# {pyreader.BUILD_NOTE}; the module is {comment(module)}\n"
        files[module] = pyreader.module(em, em.py_specs, proto_name).encode()
    extra = tuple(n for n in files if n != proto_name)
    folders = (initial.folder(ctx.stem),) if em.npy_files else ()
    if folders:
        text += f"# {initial.BUILD_NOTE}; the files are in {comment(folders[0])}/\n"
    files[proto_name] = (text + message_to_string(exp)).encode()
    out: dict[str, bytes | Stream] = dict(files)
    out.update(em.npy_files)
    out[f"{ctx.stem}.sh"] = launch_script(ctx, ctx.train, proto_name, extra, folders).encode()
    return out
