"""Write the PyTorch project: model.py from the lowering table, the training files from the `train` section.

The code is in the templates (templates/pytorch/); this module computes what fills
them. schedule.py is nncc's own nncc/schedule.py, copied, so the learning rate a run
uses is the language's definition.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import numpy as np

from nncc import codes
from nncc import schedule as core_schedule
from nncc.diagnostics import Diagnostic
from nncc.dtypes import TABLE
from nncc.ir import Graph, Value
from nncc.target import EmitContext
from nncc.train import Config, TrainConfig
from nncc.npzfile import npz_bytes

from . import LOWER
from .lower import ModelCode, Unsupported, lower_graph, lower_heads
from .render import render

READABLE = ("mnist", "cifar10", "npz", "hdf5", "csv", "text", "imagenet")  # formats data.py reads
FINAL = "trained.npz"


def heads_inputs(g: Graph) -> list[Value]:
    """The values the losses and metrics read."""
    out: list[Value] = []
    for n in [*g.losses, *g.metrics.values()]:
        out.extend(v for v in n.inputs if v not in out)
    return out


def model_source(g: Graph, code: ModelCode, source: str, doc: str) -> str:
    floats = [v.ttype.dtype for v in g.inputs if v.ttype.dtype in ("f16", "bf16", "f64")]
    uses_f = any("F." in expr for _, expr in code.lines) or bool(code.helpers - {"RBM", "recurrent", "Recurrent"})
    return render("model.py", name=g.name, doc=doc, source=source, helpers=code.helpers, modules=code.modules,
                  holders=code.holders, params=code.params, lines=code.lines, inputs=code.inputs,
                  returns=code.returns, uses_f=uses_f, input_names=[name for _, name in code.inputs],
                  dtype=TABLE[floats[0]].torch if floats else "float32")


def _call(c: Config | None) -> dict[str, Any] | None:
    return None if c is None else {"name": c.name, **c.args}


def _bound(g: Graph, v: Value) -> int:
    """Integer inputs for --dummy: class labels below the class count, indices below the table size."""
    for n in g.nodes:
        if v in n.inputs:
            if n.op == "embedding":
                return int(n.attrs["num_embeddings"])
            if n.kind in ("loss", "metric") and n.inputs[1] is v and isinstance(n.inputs[0].ttype.shape[-1], int):
                return int(n.inputs[0].ttype.shape[-1])
    return 2


def _inputs(g: Graph, bag: Any) -> dict[str, dict[str, Any]]:
    out = {}
    for v in g.inputs:
        shape = v.ttype.shape[1:]
        if not all(isinstance(d, int) for d in shape):
            bag.error(codes.UNSUPPORTED_SETTING, f"input `{v.name}` {v.type}: the PyTorch project needs a fixed sample shape "
                              "(every dim after the batch)", v.span, "give the other dims as numbers or params")
        out[v.name] = {"shape": list(shape), "dtype": TABLE[v.ttype.dtype].numpy,
                       "role": g.input_roles.get(v.name, "sample"), "high": _bound(g, v)}
    return out


def _data(t: TrainConfig, bag: Any) -> dict[str, dict[str, Any]]:
    out = {}
    for role, src in t.data.items():
        if src.format not in READABLE:
            bag.warning(codes.IGNORED_SETTING, f"data.{role}: the PyTorch project has no reader for format `{src.format}`; "
                                "train.py runs on it with --dummy N only", src.field_spans.get("format", src.span),
                        f"convert the data to one of: {', '.join(READABLE)}")
        fields = {k: v for k, v in src.fields.items() if v is not None and k not in ("backend", "random_skip",
                                                                                     "batch_size", "shape")}
        shuffle = src.fields.get("shuffle")
        fields["shuffle"] = role == "train" if shuffle is None else bool(shuffle)
        fields["transforms"] = [_call(c) for c in src.transforms]
        out[role] = fields
    return out


def _callbacks(t: TrainConfig, bag: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"checkpoint": _call(t.checkpoint), "early_stopping": None, "final_weights": FINAL,
                           "display_every": t.get("display_every"), "summary": None, "plateau": None}
    for c in t.callbacks:
        if c.name == "checkpoint":
            out["checkpoint"] = _call(c)
        elif c.name == "early_stopping":
            out["early_stopping"] = _call(c)
        elif c.name == "save_model":
            out["final_weights"] = f"{c['dir']}/{FINAL}"
        elif c.name == "print":
            out["display_every"] = out["display_every"] or c["every"]
        elif c.name == "summary":
            out["summary"] = _call(c)
        elif c.name == "reduce_on_plateau":
            out["plateau"] = _call(c)
        elif c.name in ("debug", "gpu_memory", "describe"):
            bag.warning(codes.IGNORED_SETTING, f"callback `{c.name}` is left out of the PyTorch project", c.span,
                        "history.csv and steps.csv hold the loss and metrics of the run")
    return out


def _multipliers(g: Graph) -> dict[str, tuple[float, float]]:
    return {w.name: (float(w.lr_mult), float(w.wd_mult)) for w in g.weights()
            if w.share is None and w.trainable and (w.lr_mult != 1 or w.wd_mult != 1)}


def _stages(t: TrainConfig) -> list[dict[str, Any]]:
    """train.stages for config.py; a section without stages trains in one stage that lasts to the end."""
    if not t.stages:
        return [{"name": "train", "length": None, "optimizer": _call(t.optimizer), "schedule": _call(t.schedule),
                 "warmup": _call(t.warmup), "freeze": []}]
    return [{"name": st.name, "length": st.length, "optimizer": _call(st.optimizer), "schedule": _call(st.schedule),
             "warmup": _call(st.warmup), "freeze": st.frozen} for st in t.stages]


def processes(t: TrainConfig | None) -> tuple[int, int]:
    """(nodes, processes per node) of train.distributed."""
    d = t.distributed if t is not None else {}
    return int(d.get("nodes") or 1), int(d.get("procs_per_node") or (len(d["gpus"]) if d.get("gpus") else 1))


def train_files(g: Graph, t: TrainConfig, ctx: EmitContext, source: str) -> dict[str, str]:
    bag = ctx.bag
    nodes, ppn = processes(t)
    losses, metrics = lower_heads(g, LOWER)
    losses = [f"{t.loss_scales[n.name]!r} * {code}" if n.name in t.loss_scales else code
              for n, code in zip(g.losses, losses)]
    has_validate = "validate" in t.data or ("train" in t.data and bool(t.data["train"].fields.get("validation_fraction")))
    values: dict[str, Any] = dict(
        name=g.name, source=source, seed=t.get("seed", ctx.seed), batch_size=t.batch_size, epochs=t.epochs,
        steps=t.steps, dataset_size=t.get("dataset_size"), clip_norm=t.get("clip_norm"), clip_grad=t.get("clip_grad"),
        precision=None if t.get("precision") in (None, "fp32") else t.get("precision"),
        inputs=_inputs(g, bag), stages=_stages(t), stage_unit="epoch" if t.stages and t.stages[0].epochs else "step",
        multipliers=_multipliers(g), data=_data(t, bag), validate_every=t.get("validate_every",
                                                                              1 if has_validate else None),
        validate_steps=t.get("validate_steps"), test_every=t.get("test_every"), test_steps=t.get("test_steps"),
        unit="step" if t.steps is not None else "epoch", workers=ctx.options["workers"],
        prefetch=ctx.options["prefetch"], device=ctx.options["device"], **_callbacks(t, bag))
    procs = nodes * ppn
    files = {
        "config.py": render("config.py", **values),
        "data.py": render("data.py", name=g.name),
        "heads.py": render("heads.py", name=g.name, losses=losses, metrics=metrics, metric_names=list(g.metrics),
                           uses_f=any("F." in e for e in losses) or any("F." in e for _, e in metrics),
                           uses_accuracy=any("top_k_accuracy(" in e for _, e in metrics)),
        "train.py": render("train.py", name=g.name, source=source, final_weights=values["final_weights"],
                           optimizers=sorted({st["optimizer"]["name"] for st in values["stages"]})),
        "evaluate.py": render("evaluate.py", name=g.name),
        "run.sh": render("run.sh", name=g.name, procs=procs),
        "slurm.sh": render("slurm.sh", name=g.name, nodes=nodes, procs_per_node=ppn, gpus=t.distributed.get("gpus")),
        "schedule.py": Path(core_schedule.__file__).read_text("utf-8"),
    }
    return files


def emit(g: Graph, ctx: EmitContext) -> dict[str, bytes]:
    source = os.path.basename(ctx.model.path)
    doc = " ".join((ctx.model.doc or "").split())
    try:
        code = lower_graph(g, heads_inputs(g), LOWER)
    except Unsupported as e:
        ctx.bag.add(Diagnostic(codes.UNSUPPORTED_SETTING, str(e), e.node.span))
        return {}
    t = ctx.train
    trains = t is not None and bool(g.losses)
    if t is not None and not g.losses:
        ctx.bag.warning(codes.IGNORED_SETTING, f"train.algorithm {t.get('algorithm')}: the PyTorch project trains by "
                                "back-propagation of a loss; it has no train.py for this model",
                        t.spans.get("algorithm"), "compile for singa to train it with contrastive divergence")
    files: dict[str, str | bytes] = {"model.py": model_source(g, code, source, doc)}
    nodes, ppn = processes(t)
    formats = {s.format for s in t.data.values()} if trains and t is not None else set()
    if trains and t is not None:
        files.update(train_files(g, t, ctx, source))
    files["predict.py"] = render("predict.py", name=g.name, input_names=[n for _, n in code.inputs],
                                 output_names=[v.name for v in g.outputs])
    files["README.md"] = render("README.md", name=g.name, source=source, doc=doc, trains=trains,
                                final_weights=FINAL, nodes=nodes, procs_per_node=ppn, procs=nodes * ppn,
                                pillow="imagenet" in formats, h5py="hdf5" in formats,
                                summary=trains and t is not None and any(c.name == "summary" for c in t.callbacks))
    files["ruff.toml"] = render("ruff.toml")
    if "hdf5" in formats and importlib.util.find_spec("h5py") is None:
        src = next(s for s in t.data.values() if s.format == "hdf5") if t is not None else None
        ctx.bag.warning(codes.IGNORED_SETTING, "format hdf5: data.py reads it with h5py, which is not installed here",
                        src.span if src is not None else None, "pip install h5py")
    files["init.npz"] = npz_bytes({w.name: np.asarray(w.data) for w in g.weights() if w.share is None})
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}

