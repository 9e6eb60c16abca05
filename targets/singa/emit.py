"""Lowering a typed training graph to a SINGA v0.3 JobProto (job.conf), a hostfile and a launch script.

Layers come from graph nodes (one table entry per op); graph inputs become the
`data` input layers, one per data split (`include: kTrain / kTest / kVal`);
weights become `param`s with their initializers, multipliers and sharing. Job
settings, the updater and the cluster come from the `train` section. What SINGA
cannot express is reported with the span of the op (E501, found while lowering the
graph) or of the setting (E510); what the job needs but the file does not say is
E511, settings SINGA ignores W510.
"""
from __future__ import annotations

import math
import re
from importlib import resources
from typing import Any, Callable

from google.protobuf import text_format

from nncc import codes, training
from nncc.diagnostics import Span
from nncc.ir import Graph, Init, Node, Value, Weight
from nncc.quoting import comment, script_env
from nncc.target import EmitContext
from nncc.train import DataSource, TrainConfig

from . import LOWER
from . import job_pb2 as pb

INT32_MAX = 2 ** 31 - 1  # SINGA's counts, sizes and frequencies are int32 fields

PHASES = {"train": pb.kTrain, "test": pb.kTest, "validate": pb.kVal}
ALGS = {"bp": pb.kBP, "cd": pb.kCD, "bptt": pb.kBPTT}
ROLE_SHORT = {"weight": "w", "bias": "b", "vbias": "vb", "hbias": "hb", "scale": "scale", "mean": "mean",
              "var": "var"}
DEFAULT_EPS = 1e-8  # UpdaterProto.delta default


def _clean(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "layer"


class Emitter:
    def __init__(self, g: Graph, ctx: EmitContext):
        self.g = g
        self.ctx = ctx
        self.bag = ctx.bag
        self.opts = ctx.options
        self.cfg: TrainConfig = ctx.train  # type: ignore[assignment]
        self.job = pb.JobProto()
        self.net = self.job.neuralnet
        self.src: dict[int, str] = {}  # id(Value) -> the layer that produces it
        self.layer_names: set[str] = set()
        self.param_names: dict[str, Span | None] = {}
        self.param_of: dict[int, str] = {}  # id(Weight) -> its param's name
        self.steps_per_epoch: int | None = None
        self.gpu = False
        self.folded_metrics: set[int] = set()
        self.in_graph = False  # lowering graph nodes: what SINGA lacks there is an op (E501)
        self.span_root = ctx.model.root.span if getattr(ctx.model, "root", None) is not None else None

    # ---------------------------------------------------------------- helpers

    def err(self, msg: str, span: Span | None, help: str | None = None, code: str | None = None) -> None:
        """What SINGA cannot express: an op (while lowering the graph) or a setting, unless `code` says."""
        code = code or (codes.UNSUPPORTED_OP if self.in_graph else codes.UNSUPPORTED_SETTING)
        self.bag.error(code, msg, span or self.span_root, help)

    def warn(self, msg: str, span: Span | None, help: str | None = None) -> None:
        self.bag.warning(codes.IGNORED_SETTING, msg, span or self.span_root, help)

    def tspan(self, key: str) -> Span | None:
        return self.cfg.spans.get(key) if self.cfg is not None else None

    def layer_name(self, base: str) -> str:
        name = _clean(base)
        n, i = name, 1
        while n in self.layer_names or n == "data":
            i += 1
            n = f"{name}_{i}"
        self.layer_names.add(n)
        return n

    def add_layer(self, name: str, type_: int, srcs: list[str], phase: int | None = None) -> Any:
        ly = self.net.layer.add()
        ly.name = name
        ly.type = type_
        ly.srclayers.extend(srcs)
        if phase is not None:
            ly.include.append(phase)
        return ly

    def srcs(self, n: Node, values: list[Value] | None = None) -> list[str]:
        out = []
        for v in values if values is not None else n.inputs:
            s = self.src.get(id(v))
            if s is None:
                self.err(f"`{v.name}` has no SINGA layer to read it from", n.span)
                s = "?"
            out.append(s)
        return out

    def i32(self, value: int, span: Span | None, what: str) -> int:
        """`value` for an int32 field of the job; beyond it an error (and 0 in the job, which is not written)."""
        if abs(value) > INT32_MAX:
            self.err(f"{what} is {value:,}, more than SINGA's 32-bit fields hold", span)
            return 0
        return value

    # ---------------------------------------------------------------- steps

    def to_steps(self, value: int, unit: str, span: Span | None, what: str) -> int:
        if unit == "step":
            return self.i32(value, span, what)
        if self.steps_per_epoch is None:
            self.err(f"{what} counts epochs, but SINGA counts steps and the steps per epoch are unknown", span, "give train.dataset_size (or data.train.samples), or use steps",
                     code=codes.MISSING_TARGET_SETTING)
            return 0  # not written: the job has an error
        return self.i32(value * self.steps_per_epoch, span, f"{what} in steps")

    def job_settings(self) -> None:
        c = self.cfg
        job = self.job
        job.name = self.opts.get("job_name") or self.ctx.model.name
        self.steps_per_epoch = training.steps_per_epoch(c)
        if c.steps is not None:
            job.train_steps = self.i32(c.steps, self.tspan("steps"), "train.steps")
        elif c.epochs is not None:
            job.train_steps = self.to_steps(c.epochs, "epoch", self.tspan("epochs"), "train.epochs")
        else:
            self.err("SINGA needs the length of training (train_steps)", self.tspan("batch_size"),
                     "give train.steps, or train.epochs with train.dataset_size", code=codes.MISSING_TARGET_SETTING)
        run_unit = "epoch" if c.epochs is not None else "step"
        if c.get("test_steps") is not None:
            job.test_steps = self.i32(c.get("test_steps"), self.tspan("test_steps"), "test_steps")
            if "test" not in c.data:
                self.err("test_steps is given but there is no test data (train.data.test)", self.tspan("test_steps"),
                         code=codes.MISSING_TARGET_SETTING)
        if c.get("test_every") is not None:
            job.test_freq = self.i32(c.get("test_every"), self.tspan("test_every"), "test_every")
        if c.get("validate_steps") is not None:
            job.validate_steps = self.i32(c.get("validate_steps"), self.tspan("validate_steps"), "validate_steps")
            if "validate" not in c.data:
                self.err("validate_steps is given but there is no validation data (train.data.validate)",
                         self.tspan("validate_steps"), code=codes.MISSING_TARGET_SETTING)
        if c.get("validate_every") is not None:
            job.validate_freq = self.to_steps(c.get("validate_every"), run_unit, self.tspan("validate_every"),
                                              "validate_every")
        if c.get("display_every") is not None:
            job.disp_freq = self.i32(c.get("display_every"), self.tspan("display_every"), "display_every")
        cps = [cb for cb in c.callbacks if cb.name == "checkpoint"]
        if c.checkpoint is not None:
            cps.insert(0, c.checkpoint)
        if cps:
            cp = cps[0]
            job.checkpoint_freq = self.to_steps(cp["every"], cp["unit"], cp.span, "checkpoint every")
            if cp.get("after"):
                job.checkpoint_after = self.to_steps(cp["after"], cp["unit"], cp.span, "checkpoint after")
            if cp.get("dir") not in (None, "checkpoint"):
                self.warn("SINGA writes checkpoints to <workspace>/checkpoint; `dir` is ignored", cp.span)
        for cb in c.callbacks:
            if cb.name == "debug":
                job.debug = True
            elif cb.name in ("early_stopping", "save_model", "summary", "gpu_memory", "timer"):
                self.warn(f"SINGA v0.3 has no `{cb.name}` callback; it is left out of the job", cb.span)
            elif cb.name == "print" and c.get("display_every") is None:
                job.disp_freq = self.i32(cb["every"], cb.span, "print(every)")
        paths = self.opts.get("checkpoint_path") or ""
        if isinstance(paths, (list, tuple)):
            plist = [str(p) for p in paths]
        else:
            plist = [p.strip() for p in str(paths).split(",") if p.strip()]
        job.checkpoint_path.extend(plist)
        if self.opts.get("debug"):
            job.debug = True

    def algorithm(self) -> None:
        ops = {n.op for n in self.g.nodes}
        alg = self.cfg.get("algorithm")
        if alg is None:
            alg = "cd" if "rbm" in ops else ("bptt" if "gru" in ops else "bp")
        if "gru" in ops and alg != "bptt":
            self.err(f"SINGA trains an unrolled gru() with back-propagation through time; train.algorithm is {alg}",
                     self.tspan("algorithm"), "set train.algorithm: bptt")
        if alg == "cd" and "rbm" not in ops:
            self.err("train.algorithm is cd (contrastive divergence), but the model has no rbm()",
                     self.tspan("algorithm"), "use algorithm: bp for feed-forward models")
        if alg != "cd" and "rbm" in ops:
            span = next(n.span for n in self.g.nodes if n.op == "rbm")
            self.err(f"rbm() is trained with contrastive divergence, but train.algorithm is {alg}", span,
                     "set train.algorithm: cd")
        if alg == "cd" and self.g.losses:
            self.err("an RBM trained with contrastive divergence takes no loss", self.g.losses[0].span,
                     "remove train.loss (SINGA's kRBMVis reports the reconstruction error)")
        self.job.train_one_batch.alg = ALGS[alg]
        if alg == "cd" and int(self.opts.get("cd_k", 1)) != 1:
            self.job.train_one_batch.cd_conf.cd_k = int(self.opts["cd_k"])

    # ---------------------------------------------------------------- updater

    def updater(self) -> None:
        c = self.cfg
        o = c.optimizer
        if o is None:
            return
        up = self.job.updater
        name = o.name
        if name == "sgd":
            up.type = pb.kNesterov if o.get("nesterov") else pb.kSGD
            if o.get("dampening"):
                self.err("SINGA's SGD has no dampening", o.span)
        elif name == "nesterov":
            up.type = pb.kNesterov
        elif name == "adagrad":
            up.type = pb.kAdaGrad
        elif name == "rmsprop":
            up.type = pb.kRMSProp
            up.rmsprop_conf.rho = o["decay"]
            if o.get("momentum"):
                self.err("SINGA's RMSProp takes no momentum", o.span)
        elif name == "adadelta":
            up.type = pb.kAdaDelta
            up.adadelta_conf.rho = o["rho"]
        elif name == "adam":
            up.type = pb.kAdam
            up.adam_conf.beta1 = o["beta1"]
            up.adam_conf.beta2 = o["beta2"]
        else:
            self.err(f"SINGA v0.3 has no `{name}` updater", o.span,
                     "use sgd, nesterov, adagrad, rmsprop, adadelta or adam (adam with weight_decay for adamw)")
            return
        if o.get("momentum") and name in ("sgd", "nesterov"):
            up.momentum = o["momentum"]
        if o.get("weight_decay"):
            up.weight_decay = o["weight_decay"]
        eps = o.get("eps")
        if eps is not None and not math.isclose(eps, DEFAULT_EPS, rel_tol=1e-6):
            up.delta = eps
        self.schedule(up.learning_rate, float(o["lr"]) if o.get("lr") is not None else 0.01)

    def schedule(self, lr: Any, base: float) -> None:
        s = self.cfg.schedule
        if self.cfg.warmup is not None:
            self.err(f"SINGA v0.3 cannot chain a warm-up and `{s.name}`: an updater has one learning-rate "
                     "change method (updater.learning_rate.type) and no warm-up", self.tspan("schedule"),
                     f"for SINGA write `schedule: {s.name}(…)` without the warm-up, or compile for lbann")
            return
        if s is None or s.name == "fixed":
            lr.type = pb.kFixed
            lr.base_lr = base
            return
        a = s.args
        if s.name == "step":
            lr.type = pb.kStep
            lr.base_lr = base
            lr.step_conf.change_freq = self.to_steps(a["every"], a["unit"], s.span, "step(every=…)")
            lr.step_conf.gamma = a["gamma"]
        elif s.name == "multi_step":
            lr.type = pb.kFixedStep
            marks = [0] + [self.to_steps(m, a["unit"], s.span, "multi_step(milestones=…)") for m in a["milestones"]]
            lr.fixedstep_conf.step.extend(marks)
            lr.fixedstep_conf.step_lr.extend(base * a["gamma"] ** i for i in range(len(marks)))
        elif s.name == "fixed_step":
            if len(a["steps"]) != len(a["values"]):
                self.err(f"fixed_step(): {len(a['steps'])} steps but {len(a['values'])} values", s.span)
                return
            lr.type = pb.kFixedStep  # the rate comes from step_lr; base_lr is not used
            lr.fixedstep_conf.step.extend(self.i32(x, s.span, "fixed_step(steps=…)") for x in a["steps"])
            lr.fixedstep_conf.step_lr.extend(a["values"])
        elif s.name == "exponential":
            every = self.to_steps(a["every"], a["unit"], s.span, "exponential(every=…)")
            lr.base_lr = base
            # lr · gamma^⌊t / every⌋ (nncc.training): SINGA's kStep exactly. Its kExponential,
            # base_lr / 2^(t / every), is smooth between the drops, so it is not used.
            lr.type = pb.kStep
            lr.step_conf.change_freq = every
            lr.step_conf.gamma = a["gamma"]
        elif s.name == "inverse":
            lr.type = pb.kInverse
            lr.base_lr = base
            lr.inverse_conf.gamma = a["gamma"]
            lr.inverse_conf.pow = a["power"]
        elif s.name == "inverse_t":
            lr.type = pb.kInverseT
            lr.base_lr = base
            lr.inverset_conf.final_lr = a["final_lr"]
        elif s.name == "linear":
            lr.type = pb.kLinear
            lr.base_lr = base
            lr.linear_conf.final_lr = a["final_lr"]
            lr.linear_conf.change_freq = self.i32(a["every"], s.span, "linear(every=…)")
        else:
            self.err(f"SINGA v0.3 has no `{s.name}` learning-rate schedule", s.span,
                     "SINGA has fixed, step, multi_step/fixed_step, exponential, inverse, inverse_t and linear")

    # ---------------------------------------------------------------- cluster

    def cluster(self) -> None:
        d = self.cfg.distributed
        cl = self.job.cluster
        span = self.tspan("distributed")
        fields = (("worker_groups", "nworker_groups"), ("server_groups", "nserver_groups"),
                  ("workers_per_group", "nworkers_per_group"), ("servers_per_group", "nservers_per_group"),
                  ("workers_per_proc", "nworkers_per_procs"), ("servers_per_proc", "nservers_per_procs"),
                  ("sync_freq", "sync_freq"))
        for ours, theirs in fields:
            if d.get(ours) is not None:
                setattr(cl, theirs, self.i32(d[ours], span, f"distributed.{ours}"))
        if d.get("separate_servers") is not None:
            cl.server_worker_separate = d["separate_servers"]
        cl.workspace = d.get("workspace") or f"workspace/{self.job.name}"
        if d.get("procs_per_trainer") is not None:
            self.warn("SINGA groups workers with worker_groups/workers_per_group; procs_per_trainer is ignored", span)
        workers = (d.get("worker_groups") or 1) * (d.get("workers_per_group") or 1)
        gpus = d.get("gpus")
        device = self.opts.get("device", "auto")
        if device == "cpu" and gpus:
            self.warn("device is cpu: the GPU list in train.distributed.gpus is not used", span)
            gpus = None
        if device == "gpu" and not gpus:
            gpus = list(range(workers))
        if gpus:
            if len(gpus) != workers:
                self.err(f"SINGA runs one worker per GPU: {len(gpus)} GPUs for {workers} workers", span,
                         "make len(gpus) equal worker_groups × workers_per_group")
            self.job.gpu.extend(self.i32(x, span, "a GPU id") for x in gpus)
            self.gpu = True

    # ---------------------------------------------------------------- data

    def data_layers(self) -> None:
        g = self.g
        samples = [v for v in g.inputs if g.input_roles.get(v.name) != "label"]
        labels = [v for v in g.inputs if g.input_roles.get(v.name) == "label"]
        if len(samples) > 1:
            self.err(f"SINGA's input layer gives one sample tensor; the model has {len(samples)} inputs "
                     f"({', '.join(v.name for v in samples)})", samples[1].span)
        if len(labels) > 1:
            self.err("SINGA's input layer gives one label per record; the model has several label inputs",
                     labels[1].span)
        for v in g.inputs:
            self.src[id(v)] = "data"
        if not self.cfg.data:
            self.err("SINGA reads its data itself: give train.data (train, and test or validate when used)",
                     self.tspan("batch_size"), code=codes.MISSING_TARGET_SETTING)
            return
        sample = samples[0] if samples else None
        for role in ("train", "validate", "test"):
            ds = self.cfg.data.get(role)
            if ds is not None:
                self.data_layer(ds, sample, bool(labels))

    def data_layer(self, ds: DataSource, sample: Value | None, labelled: bool) -> None:
        f = ds.fields
        sp = ds.field_spans
        fmt = f.get("format")
        if fmt == "text":
            _char_rnn_data(self, ds, sample)
            return
        if fmt == "record":
            type_ = pb.kRecordInput
        elif fmt == "csv":
            type_ = pb.kCSVInput
        else:
            self.err(f"SINGA v0.3 reads records (kRecordInput) or CSV (kCSVInput), not `{fmt}` data",
                     sp.get("format", ds.span), "convert the data set to a record file and use format: record")
            return
        ly = self.add_layer("data", type_, [], PHASES[ds.role])
        st = ly.store_conf
        if type_ == pb.kRecordInput:
            st.backend = f.get("backend") or self.opts.get("backend") or "kvfile"
        elif f.get("backend"):
            st.backend = f["backend"]
        st.path = f["path"]
        if f.get("random_skip"):
            st.random_skip = self.i32(f["random_skip"], sp.get("random_skip"), "random_skip")
        st.batchsize.append(self.i32(f.get("batch_size") or self.cfg.batch_size,
                                     sp.get("batch_size") or self.tspan("batch_size"), "the batch size"))
        shape = f.get("shape")
        if shape is None and sample is not None and sample.type is not None:
            dims = sample.type.shape[1:]
            if all(isinstance(d, int) for d in dims):
                shape = list(dims)
            else:
                self.err(f"the sample shape {sample.type} is not fixed; SINGA needs store_conf.shape",
                         ds.span, "give data.<role>.shape", code=codes.MISSING_TARGET_SETTING)
        st.shape.extend(self.i32(d, sp.get("shape") or sample and sample.span, "a sample dim") for d in shape or [])
        if f.get("has_label") is False:
            st.has_label = False
        for t in ds.transforms:
            if t.name == "normalize":
                mean, std = t["mean"], t["std"]
                if len(mean) != 1 or len(std) != 1:
                    self.err("SINGA normalises with one mean and one std value for all channels", t.span,
                             "give scalar mean/std, or a per-pixel mean with mean_file(...)")
                    continue
                st.mean_value = mean[0]
                st.std_value = std[0]
            elif t.name == "scale":
                if t["factor"] == 0:
                    self.err("scale(factor=0) cannot be written as SINGA's std_value", t.span)
                    continue
                st.std_value = 1.0 / t["factor"]
            elif t.name == "mean_file":
                st.mean_file = t["path"]
            elif t.name == "to_float":
                continue
            elif t.name in ("random_crop", "center_crop", "horizontal_flip", "vertical_flip", "resize"):
                self.err(f"SINGA v0.3's {'kRecordInput' if type_ == pb.kRecordInput else 'kCSVInput'} has no "
                         f"`{t.name}` transform", t.span, "prepare the records with the transform applied")
            else:
                self.err(f"SINGA has no `{t.name}` transform", t.span)
        if f.get("shuffle"):
            self.warn("SINGA reads records in order; shuffle is approximated by nothing (use random_skip)",
                      sp.get("shuffle", ds.span))

    # ---------------------------------------------------------------- params

    def init(self, gen: Any, init: Init, w: Weight, span: Span | None) -> None:
        k = init.kind
        rank = len(w.type.shape) if w.type is not None else 2
        if k == "constant":
            gen.type = pb.kConstant
            gen.value = init.arg("value", 0.0)
        elif k == "uniform":
            gen.type = pb.kUniform
            gen.low = init.arg("low", -0.05)
            gen.high = init.arg("high", 0.05)
        elif k == "gaussian":
            gen.type = pb.kGaussian
            if init.arg("mean", 0.0):
                gen.mean = init.arg("mean", 0.0)
            gen.std = init.arg("std", 1.0)
        elif k in ("he_normal", "lecun_normal", "he_uniform", "lecun_uniform", "xavier_uniform"):
            if rank < 2:
                self.err(f"SINGA's fan-in initializers need a matrix; `{w.name}` is a vector, {k} cannot "
                         "initialise it", span, "use constant(…), uniform(…) or gaussian(…) for it")
                return
            # SINGA divides a unit draw by sqrt(fan_in) (Gaussian), sqrt(fan_in / 3) (uniform) or
            # sqrt(rows + cols) (uniform, fan-in-out); the arguments make up the rest of each formula.
            if k == "he_normal":
                gen.type, gen.std = pb.kGaussianSqrtFanIn, math.sqrt(2.0)
            elif k == "lecun_normal":
                gen.type, gen.std = pb.kGaussianSqrtFanIn, 1.0
            elif k == "he_uniform":
                gen.type, gen.low, gen.high = pb.kUniformSqrtFanIn, -math.sqrt(2.0), math.sqrt(2.0)
            elif k == "lecun_uniform":
                gen.type, gen.low, gen.high = pb.kUniformSqrtFanIn, -1.0, 1.0
            else:
                if rank > 2:
                    self.warn(f"SINGA's xavier form counts fan-out as the {w.type.shape[0]} filters of "
                              f"`{w.name}`, not filters × kernel size", span)
                gen.type, gen.low, gen.high = pb.kUniformSqrtFanInOut, -math.sqrt(6.0), math.sqrt(6.0)
        else:
            self.err(f"SINGA v0.3 has no `{k}` initializer", span,
                     "SINGA has constant, uniform, gaussian and the fan-in forms of he/lecun (normal, uniform) "
                     "and xavier_uniform")

    def params(self, ly: Any, n: Node, base: str, roles: list[str] | None = None,
               share_from: dict[str, str] | None = None) -> None:
        wopts = n.meta.get("weight_opts", {})
        for role, w in n.weights.items():
            if roles is not None and role not in roles:
                continue
            p = ly.param.add()
            prefix = self._prefix(n, role)
            given = wopts.get(f"{prefix}_name") if prefix else None
            if given is not None and not isinstance(given[0], str):
                self.err(f"`{prefix}_name` must be a string (the SINGA param name)", given[1])
                given = None
            name = given[0] if given is not None else f"{base}_{ROLE_SHORT.get(role, role)}"
            span = given[1] if given is not None else n.span
            if name in self.param_names:
                if given is not None:
                    self.err(f"param name `{name}` is used twice", span,
                             f"to share a weight, write {prefix}_share=<layer> instead")
                i = 2
                while f"{name}_{i}" in self.param_names:
                    i += 1
                name = f"{name}_{i}"
            self.param_names[name] = span
            p.name = name
            if share_from and role in share_from:
                p.share_from = share_from[role]
                continue
            owner = self.param_of.get(id(w))
            if owner is not None:  # the same weight as an earlier layer's (w_share with equal shapes)
                p.share_from = owner
                continue
            if w.share is not None:  # tied transposed (decoders of autoencoders)
                src = self.param_of.get(id(w.share))
                if n.op != "linear" or role != "weight":
                    self.err(f"SINGA ties a transposed weight only in an inner-product layer, not in {n.op}()",
                             n.span)
                elif src is None:
                    self.err(f"the weight `{w.share.name}` that `{w.name}` is tied to is not in the job", n.span)
                else:
                    p.share_from = src
                    ly.innerproduct_conf.transpose = True
                    continue
            self.param_of[id(w)] = name
            self.fill_param(p, w, n.span)

    def fill_param(self, p, w, span) -> None:
        """A param's lr/wd scales (0 for frozen weights) and its initializer."""
        if not w.trainable:
            p.lr_scale = 0.0
            p.wd_scale = 0.0
        else:
            if w.lr_mult != 1.0:
                p.lr_scale = w.lr_mult
            if w.wd_mult != 1.0:
                p.wd_scale = w.wd_mult
        self.init(p.init, w.init, w, span)

    @staticmethod
    def _prefix(n: Node, role: str) -> str | None:
        from nncc.ops import REGISTRY

        opdef = REGISTRY.get(n.op)
        if opdef is None or opdef.weights is None:
            return None
        try:
            specs = opdef.weights([v.type for v in n.inputs], n.attrs)
        except Exception:  # pragma: no cover - shapes were checked already
            return None
        return next((s.prefix for s in specs if s.role == role), None)

    # ---------------------------------------------------------------- layers

    def layers(self) -> None:
        self.in_graph = True
        for n in self.g.nodes:
            fn = LOWER.get_rule(n.op)
            if fn is None:
                self.err(f"SINGA has no layer for `{n.op}`", n.span)
                continue
            fn(self, n)
        self.in_graph = False

    def simple(self, n: Node, type_: int) -> Any:
        name = self.layer_name(n.name)
        ly = self.add_layer(name, type_, self.srcs(n))
        for v in n.outputs:
            self.src[id(v)] = name
        return ly

    def spatial(self, n: Node, conf: Any, what: str) -> None:
        k, s, p = n.attrs["kernel"], n.attrs["stride"], n.attrs["pads"]
        if max(map(abs, [*k, *s, *p])) > INT32_MAX:
            self.err(f"the {what}'s kernel, stride or padding is more than SINGA's 32-bit fields hold", n.span)
            return
        if p[0] != p[2] or p[1] != p[3]:
            self.err(f"SINGA {what} pads both sides equally; padding {list(p)} is asymmetric", n.span_of("pad"))
        if k[0] == k[1] and s[0] == s[1] and p[0] == p[1]:
            conf.kernel, conf.stride = k[0], s[0]
            if p[0]:
                conf.pad = p[0]
        else:
            conf.kernel_x, conf.kernel_y = k[1], k[0]
            conf.stride_x, conf.stride_y = s[1], s[0]
            if p[0] or p[1]:
                conf.pad_x, conf.pad_y = p[1], p[0]


def _linear(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kInnerProduct)
    ly.innerproduct_conf.num_output = n.attrs["out_features"]
    if not n.attrs["bias"]:
        ly.innerproduct_conf.bias_term = False
    if n.inputs[0].type is not None and n.inputs[0].type.rank > 2 and (
            n.inputs[0].producer is None or n.inputs[0].producer.op != "flatten"):
        E.err("SINGA's inner-product layer flattens its source to [N, features]; nncc's linear() on a "
              f"{n.inputs[0].type.rank}-D tensor works on the last dim only", n.span,
              "flatten the input first if that is what you mean")
    E.params(ly, n, ly.name)


def _conv(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kCudnnConv if E.gpu else pb.kCConvolution)
    a = n.attrs
    if a["groups"] != 1:
        E.err("SINGA v0.3 convolution has no groups", n.span_of("groups"))
    if tuple(a["dilation"]) != (1, 1):
        E.err("SINGA v0.3 convolution has no dilation", n.span_of("dilation"))
    if not a["bias"]:
        E.err("SINGA v0.3 convolution always has a bias", n.span_of("bias"), "drop bias=false")
    ly.convolution_conf.num_filters = a["out_channels"]
    E.spatial(n, ly.convolution_conf, "convolution")
    E.params(ly, n, ly.name)


def _pool(method_name: str) -> Callable[[Emitter, Node], None]:
    method = getattr(pb.PoolingProto, method_name)  # MAX | AVG

    def f(E: Emitter, n: Node) -> None:
        ly = E.simple(n, pb.kCudnnPool if E.gpu else pb.kCPooling)
        if n.attrs["ceil_mode"]:
            E.err("SINGA pooling rounds the output size down; ceil_mode is not available", n.span_of("ceil_mode"))
        if method == pb.PoolingProto.AVG and n.attrs.get("count_include_pad") and any(n.attrs["pads"]):
            E.err("SINGA average pooling does not count padding", n.span_of("count_include_pad"))
        ly.pooling_conf.pool = method
        E.spatial(n, ly.pooling_conf, "pooling")
    return f


def _lrn(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kCudnnLRN if E.gpu else pb.kLRN)
    c = ly.lrn_conf
    c.local_size = E.i32(n.attrs["size"], n.span, "lrn(size=…)")
    c.alpha = n.attrs["alpha"]
    c.beta = n.attrs["beta"]
    if n.attrs["k"] != 1.0:
        c.knorm = n.attrs["k"]


def _dropout(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kDropout)
    ly.dropout_conf.dropout_ratio = n.attrs["p"]


def _act(cpu_type: str, act_type: str) -> Callable[[Emitter, Node], None]:
    """A layer of type `cpu_type` on the CPU, kCudnnActivation of `act_type` on the GPU (names of job.proto)."""
    cpu, act = getattr(pb, cpu_type), getattr(pb, act_type)

    def f(E: Emitter, n: Node) -> None:
        if E.gpu and act is not None:
            ly = E.simple(n, pb.kCudnnActivation)
            ly.activation_conf.type = act
            return
        ly = E.simple(n, cpu)
        if cpu == pb.kActivation and act is not None:
            ly.activation_conf.type = act
    return f


def _stanh(E: Emitter, n: Node) -> None:
    if E.gpu:
        E.err("SINGA v0.3 has no scaled tanh on GPUs (kSTanh is CPU-only; cuDNN has no STANH)", n.span,
              "use tanh, or set targets.singa.device: cpu")
    E.simple(n, pb.kSTanh)


def _leaky(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kReLU)
    ly.relu_conf.negative_slope = n.attrs["alpha"]


def _softmax(E: Emitter, n: Node) -> None:
    x = n.inputs[0]
    if x.type is not None and n.attrs["axis"] != x.type.rank - 1:
        E.err("SINGA's softmax works over the last dim", n.span_of("axis"))
    E.simple(n, pb.kCudnnSoftmax if E.gpu else pb.kSoftmax)


def _bn(E: Emitter, n: Node) -> None:
    if not E.gpu:
        E.err("SINGA v0.3 has batch normalisation only as the cuDNN layer (kCudnnBM)", n.span,
              "run on GPUs (train.distributed.gpus or targets.singa.device: gpu)")
    ly = E.simple(n, pb.kCudnnBM)
    ly.bm_conf.SetInParent()
    E.params(ly, n, ly.name)


def _concat(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kConcate)
    ly.concate_conf.concate_dim = n.attrs["axis"]
    ly.concate_conf.num_concates = len(n.inputs)


def _split(E: Emitter, n: Node) -> None:
    sizes = n.attrs["sizes"]
    if len(set(sizes)) != 1:
        E.err(f"SINGA slices into equal parts; sizes {list(sizes)} differ", n.span_of("parts"))
    ly = E.simple(n, pb.kSlice)
    ly.slice_conf.slice_dim = n.attrs["axis"]
    ly.slice_conf.num_slices = len(sizes)


def _embedding(E: Emitter, n: Node) -> None:
    ly = E.simple(n, pb.kEmbedding)
    ly.embedding_conf.vocab_size = n.attrs["num_embeddings"]
    ly.embedding_conf.feature_dim = n.attrs["dim"]
    E.params(ly, n, ly.name)


def _fold(E: Emitter, n: Node) -> None:
    E.src[id(n.output)] = E.srcs(n)[0]


def _rbm(E: Emitter, n: Node) -> None:
    base = _clean(n.name)
    vis = E.layer_name(base + "_vis")
    hid = E.layer_name(base + "_hid")
    src = E.srcs(n)[0]
    v = E.add_layer(vis, pb.kRBMVis, [src, hid])
    v.rbm_conf.hdim = n.attrs["hidden"]
    if not n.attrs["bias"]:
        v.rbm_conf.bias_term = False
    E.params(v, n, base, roles=["weight", "vbias"])
    h = E.add_layer(hid, pb.kRBMHid, [vis])
    h.rbm_conf.hdim = n.attrs["hidden"]
    if not n.attrs["bias"]:
        h.rbm_conf.bias_term = False
    if n.attrs["gaussian"]:
        h.rbm_conf.gaussian = True
    w_name = v.param[0].name
    p = h.param.add()
    p.name = w_name + "_"
    E.param_names[p.name] = n.span
    p.share_from = w_name
    E.params(h, n, base, roles=["hbias"])
    E.src[id(n.output)] = hid


def _cross_entropy(E: Emitter, n: Node) -> None:
    logits, label = n.inputs
    if label.producer is not None or E.g.input_roles.get(label.name) != "label":
        E.err("SINGA's softmax loss reads the labels of its input layer; the target must be the label input",
              n.span_of(1))
    if label.type is not None and label.type.dtype.startswith("f"):
        E.err("SINGA's softmax loss takes class indices, not one-hot or soft targets", n.span_of(1))
    name = E.layer_name(n.name)
    ly = E.add_layer(name, pb.kCudnnSoftmaxLoss if E.gpu else pb.kSoftmaxLoss, E.srcs(n, [logits]) + ["data"])
    topk = 1
    for m in E.g.metrics.values():
        if id(m) not in E.folded_metrics and m.inputs[0] is logits and m.inputs[1] is label:
            topk = m.attrs.get("k", 1)
            E.folded_metrics.add(id(m))
            break
    ly.softmaxloss_conf.topk = topk
    E.src[id(n.output)] = name


def _mse(E: Emitter, n: Node) -> None:
    pred, target = n.inputs
    if E.g.input_roles.get(target.name) == "label" and target.producer is None:
        E.err("SINGA's euclidean loss compares with the sample of its input layer, not the label", n.span_of(1))
    name = E.layer_name(n.name)
    E.add_layer(name, pb.kEuclideanLoss, E.srcs(n, [pred, target]))
    E.src[id(n.output)] = name


def _accuracy(E: Emitter, n: Node) -> None:
    if id(n) in E.folded_metrics:
        return
    k = n.attrs.get("k", 1)
    if k != 1:
        E.err("SINGA's accuracy layer counts top-1 only; top-k works through the softmax loss's topk", n.span,
              "measure it on the logits of a cross_entropy loss")
    sm = E.layer_name(n.name + "_softmax")
    E.add_layer(sm, pb.kCudnnSoftmax if E.gpu else pb.kSoftmax, E.srcs(n, [n.inputs[0]]), pb.kTest)
    name = E.layer_name(n.name)
    E.add_layer(name, pb.kAccuracy, [sm, "data"], pb.kTest)
    E.src[id(n.output)] = name


# ---------------------------------------------------------------- recurrent (kGRU, unrolled for kBPTT)

GRU_PARAMS = (("weight", "hx"), ("recurrent_weight", "hh"), ("bias", "b"))  # conf.param order of kGRU
GRU_GATES = ("z", "r", "c")  # SINGA's update, reset and candidate gates: nncc's z, r, h blocks in order


def _gru(E: Emitter, n: Node) -> None:
    a = n.attrs
    ly = E.simple(n, pb.kGRU)
    ly.gru_conf.dim_hidden = a["hidden"]
    if not a["bias"]:
        ly.gru_conf.bias_term = False
    else:
        E.warn("SINGA's kGRU has one bias per gate (z_b, r_b, c_b), added to the input product; nncc's gru also "
               "has the recurrent bias rb: its z and r blocks only duplicate b, but its candidate block sits "
               "inside the reset product, r ⊙ (h·Rhᵀ + rb_h), which SINGA's candidate r ⊙ (h·Rhᵀ) lacks; "
               "the job trains the GRU without rb", n.span, "bias=false expresses the same GRU in both")
    for role, suffix in GRU_PARAMS:
        w = n.weights.get(role)
        if w is None:
            continue
        if w.share is not None or id(w) in E.param_of:
            E.err(f"SINGA's kGRU cannot share `{w.name}` with another layer", n.span)
            continue
        E.param_of[id(w)] = f"{ly.name}_z_{suffix}"
        if w.init.kind == "xavier_uniform":
            E.warn(f"SINGA splits `{w.name}` into three [{a['hidden']}, …] params per gate, so its xavier "
                   f"bound uses the fans of one gate, not of the stacked [{3 * a['hidden']}, …] matrix", n.span)
        for gate in GRU_GATES:
            p = ly.param.add()
            name, i = f"{ly.name}_{gate}_{suffix}", 2
            while name in E.param_names:
                name, i = f"{ly.name}_{gate}_{suffix}_{i}", i + 1
            E.param_names[name] = n.span
            p.name = name
            E.fill_param(p, w, n.span)
    E.gru_nodes = [*getattr(E, "gru_nodes", []), n]


def _char_rnn_data(E: Emitter, ds: DataSource, sample: Value | None) -> None:
    """format: text → kCharRNN (characters of `path`, indexed by the vocabulary file `labels`); it gives one
    blob per unrolled step (and one more: the labels, read by kRNNLabel)."""
    f = ds.fields
    ly = E.add_layer("data", pb.kCharRNN, [], PHASES[ds.role])
    c = ly.char_rnn_conf
    c.path = f["path"]
    if not f.get("labels"):
        E.err("SINGA's kCharRNN needs the vocabulary file: give data.<role>.labels (the characters, in index "
              "order)", ds.span, code=codes.MISSING_TARGET_SETTING)
    else:
        c.vocab_path = f["labels"]
    c.batchsize = E.i32(f.get("batch_size") or E.cfg.batch_size,
                        ds.field_spans.get("batch_size") or E.tspan("batch_size"), "the batch size")
    if sample is None or sample.type is None or sample.type.rank != 2 or not isinstance(sample.type.shape[1], int):
        E.err(f"format: text reads character indices [N, T] with a fixed T; the sample input is "
              f"{sample.type if sample is not None else 'missing'}", ds.span)
        return
    c.unroll_len = sample.type.shape[1]


def _unroll(E: Emitter) -> None:
    """Unroll the net over the GRUs' time steps: net unroll_len T, per-step layers (the grus and what feeds
    them) read the input layer's step blob (kUnrollOneToAll); the rest runs once, on the last step."""
    grus = getattr(E, "gru_nodes", [])
    if not grus:
        return
    steps = {n.inputs[0].type.shape[1] for n in grus}
    T = next(iter(steps))
    if len(steps) != 1 or not isinstance(T, int):
        E.err(f"SINGA unrolls the whole net over one fixed number of steps; the grus read {sorted(map(str, steps))}",
              grus[0].span, code=codes.UNSUPPORTED_OP)
        return
    E.net.unroll_len = T
    region: set[str] = set()
    last: set[str] = set()
    todo = list(grus)
    seen: set[int] = set()
    while todo:
        n = todo.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        name = E.src.get(id(n.outputs[0]))
        if name is not None and name != "data":
            region.add(name)
        todo += [v.producer for v in n.inputs if v.producer is not None]
    for n in grus:
        if not n.attrs["return_sequences"]:
            last.add(E.src[id(n.outputs[0])])
    layers = {ly.name: ly for ly in E.net.layer}
    char_rnn = any(ly.type == pb.kCharRNN for ly in E.net.layer)
    if not char_rnn:
        E.err("SINGA's unrolled layers read step t of their input layer's blobs; kRecordInput and kCSVInput give "
              "one blob", E.tspan("data") or grus[0].span, "use format: text (kCharRNN) for a recurrent model")
    label = None
    for ly in list(E.net.layer):
        if ly.type == pb.kCharRNN:
            ly.unroll_len = 1
            continue
        inside = ly.name in region
        if not inside:
            ly.unroll_len = 1
        conn = [pb.kUnrollOneToOne] * len(ly.srclayers)
        for i, s in enumerate(ly.srclayers):
            if s == "data":
                if inside:
                    conn[i] = pb.kUnrollOneToAll
                elif char_rnn:  # the label of the window: the character after its last step
                    if label is None:
                        label = E.add_layer(E.layer_name("label"), pb.kRNNLabel, ["data"])
                        label.unroll_conn_type.append(pb.kUnrollOneToAll)
                    ly.srclayers[i] = label.name
                    conn[i] = pb.kUnrollFirstToLast
            elif s in region and not inside:
                if s in last:
                    conn[i] = pb.kUnrollFirstToLast
                else:
                    E.err(f"layer `{ly.name}` reads every step of `{s}`; SINGA's unrolled net has no layer that "
                          "gathers the steps", grus[0].span, "give the last gru return_sequences=false",
                          code=codes.UNSUPPORTED_OP)
        if any(c != pb.kUnrollOneToOne for c in conn):
            del ly.unroll_conn_type[:]
            ly.unroll_conn_type.extend(conn)
    del layers


# -------------------------------------------------------------------- driver

def build_job(g: Graph, ctx: EmitContext) -> pb.JobProto:
    E = Emitter(g, ctx)
    E.job_settings()
    E.algorithm()
    E.updater()
    E.cluster()
    E.data_layers()
    E.layers()
    _unroll(E)
    return E.job


def _render(name: str, **kw: Any) -> str:
    root = resources.files("nncc.templates").joinpath("singa")
    return script_env(lambda n: root.joinpath(n).read_text(encoding="utf-8")).get_template(name).render(**kw)


def emit(g: Graph, ctx: EmitContext) -> dict[str, bytes]:
    job = build_job(g, ctx)
    if ctx.bag.has_errors:
        return {}
    missing = job.FindInitializationErrors()
    if missing:  # pragma: no cover - every required field is set above
        raise AssertionError(f"job.conf misses required fields: {missing}")
    conf = f"# SINGA v0.3 job for `{comment(ctx.model.name)}`, written by nncc\n" + text_format.MessageToString(job)
    hosts = [h.strip() for h in str(ctx.options.get("hosts") or "localhost").split(",") if h.strip()]
    d = ctx.train.distributed if ctx.train is not None else {}
    nodes = int(d.get("nodes") or 1)
    if len(hosts) < nodes:
        ctx.bag.warning(codes.IGNORED_SETTING, f"train.distributed.nodes is {nodes} but targets.singa.hosts names "
                        f"{len(hosts)} host(s); the hostfile lists those", None)
    run = _render("run.sh.j2", job_name=job.name, conf_name="job.conf", hostfile="hostfile",
                  workspace=job.cluster.workspace, gpus=list(job.gpu),
                  nhosts=len(hosts))
    hostfile = _render("hostfile.j2", hosts=hosts, job_name=job.name)
    return {"job.conf": conf.encode(), "hostfile": hostfile.encode(), "run.sh": run.encode()}
