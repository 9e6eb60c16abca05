"""Lowering a typed training graph to a SINGA v0.3 JobProto (MODEL.conf), a hostfile and a launch script
(MODEL.hostfile, MODEL.sh: named after the model, so several jobs share a directory).

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
from importlib import resources
from typing import Any

from nncc import codes
from nncc.diagnostics import Span
from nncc.ir import Graph, Init, Node, Weight
from nncc.quoting import comment, script_env
from nncc.target import EmitContext
from nncc.textproto import message_to_string

from . import LOWER
from . import job_pb2 as pb
from .base import INT32_MAX, ROLE_SHORT
from .checkpoint import Blob, given_weights
from .data import DataLayers
from .job import JobSettings
from .layers import unroll


CONVS = (pb.kCConvolution, pb.kConvolution, pb.kCudnnConv)  # weight [filters, channels·kernel_y·kernel_x]


class Emitter(JobSettings, DataLayers):
    """A SINGA job from a typed graph: the parts in job.py, data.py and testjob.py, params and layers here."""

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
                    self.warn(f"SINGA's xavier form counts fan-out as the {w.ttype.shape[0]} filters of "
                              f"`{w.name}`, not filters × kernel size", span)
                gen.type, gen.low, gen.high = pb.kUniformSqrtFanInOut, -math.sqrt(6.0), math.sqrt(6.0)
        else:
            self.err(f"SINGA v0.3 has no `{k}` initializer", span,
                     "SINGA has constant, uniform, gaussian and the fan-in forms of he/lecun (normal, uniform) "
                     "and xavier_uniform")

    def params(self, ly: Any, n: Node, base: str, roles: list[str] | None = None,
               share_from: dict[str, str] | None = None, learned_state: bool = False) -> None:
        """The params of `n`'s weights; `learned_state`: the layer keeps its running statistics in params that
        the updater leaves alone (kCudnnBM), so they get the default scales, as SINGA's examples write them."""
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
            self.fill_param(p, w, n.span, learned_state and role in ("mean", "var"))
            layout = "bn" if ly.type == pb.kCudnnBM else "matrix" if role == "weight" and ly.type in CONVS else "as_is"
            self.blobs.append(Blob(name, w, layout))

    def fill_param(self, p, w, span, learned_state: bool = False) -> None:
        """A param's lr/wd scales (0 for frozen weights) and its initializer."""
        if not w.trainable and not learned_state:
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
            specs = opdef.weights([v.ttype for v in n.inputs], n.attrs)
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

    def spatial(self, n: Node, conf: Any, what: str, window: tuple | None = None) -> None:
        """kernel, stride and padding of `n` (or `window`: kernel, stride, pads) into a conv or pooling conf."""
        k, s, p = window or (n.attrs["kernel"], n.attrs["stride"], n.attrs["pads"])
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


# -------------------------------------------------------------------- driver

def build_job(g: Graph, ctx: EmitContext) -> tuple[pb.JobProto, bytes | None]:
    E = Emitter(g, ctx)
    E.job_settings()
    E.test_settings()
    E.algorithm()
    E.updater()
    E.cluster()
    E.data_layers()
    E.layers()
    E.test_outputs()
    E.partitions()
    unroll(E)
    return E.job, given_weights(E)


def _render(name: str, **kw: Any) -> str:
    root = resources.files("nncc.templates").joinpath("singa")
    return script_env(lambda n: root.joinpath(n).read_text(encoding="utf-8")).get_template(name).render(**kw)


def emit(g: Graph, ctx: EmitContext) -> dict[str, bytes]:
    job, weights = build_job(g, ctx)
    if ctx.bag.has_errors:
        return {}
    missing = job.FindInitializationErrors()
    if missing:  # pragma: no cover - every required field is set above
        raise AssertionError(f"job.conf misses required fields: {missing}")
    conf = f"# SINGA v0.3 job for `{comment(ctx.model.name)}`, written by nncc\n" + message_to_string(job)
    hosts = [h.strip() for h in str(ctx.options.get("hosts") or "localhost").split(",") if h.strip()]
    d = ctx.train.distributed if ctx.train is not None else {}
    nodes = int(d.get("nodes") or 1)
    if len(hosts) < nodes:
        ctx.bag.warning(codes.IGNORED_SETTING, f"train.distributed.nodes is {nodes} but targets.singa.hosts names "
                        f"{len(hosts)} host(s); the hostfile lists those", None)
    names = {"conf": f"{ctx.stem}.conf", "hostfile": f"{ctx.stem}.hostfile", "script": f"{ctx.stem}.sh",
             "weights": f"{ctx.stem}.weights.bin"}
    run = _render("run.sh.j2", job_name=job.name, conf_name=names["conf"], hostfile=names["hostfile"],
                  script=names["script"],
                  workspace=job.cluster.workspace, gpus=list(job.gpu),
                  test_only=ctx.train is not None and ctx.train.get("mode") == "test",
                  weights=names["weights"] if weights is not None else None,
                  weights_dest=job.checkpoint_path[-1] if weights is not None else None,
                  nhosts=len(hosts))
    hostfile = _render("hostfile.j2", hosts=hosts, job_name=job.name)
    files = {names["conf"]: conf.encode(), names["hostfile"]: hostfile.encode(), names["script"]: run.encode()}
    if weights is not None:
        files[names["weights"]] = weights
    return files
