"""What every part of the SINGA emitter shares: the job being built, naming, int32 checks and reporting."""
from __future__ import annotations

import re
from typing import Any

from nncc import codes
from nncc.diagnostics import Span
from nncc.layergraph import Names
from nncc.ir import Graph, Node, Value
from nncc.target import EmitContext
from nncc.train import TrainConfig

from . import job_pb2 as pb
from .checkpoint import Blob

INT32_MAX = 2 ** 31 - 1  # SINGA's counts, sizes and frequencies are int32 fields

PHASES = {"train": pb.kTrain, "test": pb.kTest, "validate": pb.kVal}
ALGS = {"bp": pb.kBP, "cd": pb.kCD, "bptt": pb.kBPTT}
ROLE_SHORT = {"weight": "w", "bias": "b", "vbias": "vb", "hbias": "hb", "scale": "scale", "mean": "mean",
              "var": "var"}
DEFAULT_EPS = 1e-8  # UpdaterProto.delta default


def _clean(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "layer"


class Base:
    """The state of one job being written, and the helpers every part of the emitter uses."""

    def __init__(self, g: Graph, ctx: EmitContext):
        self.g = g
        self.ctx = ctx
        self.bag = ctx.bag
        self.opts = ctx.options
        self.cfg: TrainConfig = ctx.train  # type: ignore[assignment]
        self.job = pb.JobProto()
        self.net = self.job.neuralnet
        self.src: dict[int, str] = {}  # id(Value) -> the layer that produces it
        self.layer_names = Names(_clean, first=2, reserved=("data",))  # the input layers are `data`
        self.param_names: dict[str, Span | None] = {}
        self.param_of: dict[int, str] = {}  # id(Weight) -> its param's name
        self.steps_per_epoch: int | None = None
        self.gpu = False
        self.mshadow = self.opts.get("conv_impl") == "mshadow"  # kConvolution/kPooling instead of Caffe's
        self.folded_metrics: set[int] = set()
        self.blobs: list[Blob] = []  # the params the job owns, for --weights (checkpoint.py)
        self.gru_nodes: list[Node] = []  # the GRUs lowered, which unroll() unrolls over time
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

    def phases(self, name: str, default: list | None) -> list | None:
        """The SINGA phases (`include`) of the loss or a metric, from train.phases; `default` when not given
        or when the phases are all of a job's (train, validate, test: no `include`)."""
        given = (self.cfg.get("phases") or {}).get(name)
        if given is None:
            return default
        return [] if set(given) == set(PHASES) else [PHASES[p] for p in given]

    def layer_name(self, base: str) -> str:
        return self.layer_names.fresh(base)

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
