"""SINGA's record files (`format: record`) and character corpora (`format: text`) through LBANN's
Python data reader.

LBANN has no reader for SINGA's kvfile records nor for a text corpus, but it has
`reader { name: "python" }`, which imports a module and calls its functions for the number of
samples, their dims and each sample (src/data_ingestion/readers/data_reader_python.cpp; only in an
LBANN built with LBANN_WITH_EMBEDDED_PYTHON). nncc writes that module beside the prototext
(templates/lbann_reader.py.j2): it reads the records as SINGA's record input does and applies the
value transforms in order, and cuts a corpus into the windows nncc's `format: text` defines. The Python reader delivers one flat `samples` tensor per sample and no
labels (rules.PYTHON_SAMPLES), so the label travels as the last value and the layers cut it off.
"""
from __future__ import annotations

import math
import re

from nncc.train import DataSource

from . import lbann_pb2 as pb
from .base import Base
from .refusals import refuse

FORMATS = ("record", "text")  # the formats nncc reads through a module of its own
VALUE_TRANSFORMS = ("scale", "normalize", "mean_file", "to_float")
BUILD_NOTE = "reads its data through LBANN's Python data reader: needs an LBANN built with LBANN_WITH_EMBEDDED_PYTHON"


def module_name(stem: str) -> str:
    """The reader module's name (and file stem): an identifier Python can import."""
    name = re.sub(r"\W", "_", stem, flags=re.ASCII)
    return f"{'m_' if name[:1].isdigit() else ''}{name}_data"


def uses_python(em: Base) -> bool:
    """Whether the experiment's readers are Python readers (all of them: see `check_formats`)."""
    t = em.train
    return not em.opts.get("reader") and t is not None and bool(t.data) and all(
        d.format in FORMATS for d in t.data.values())


def check_formats(em: Base) -> None:
    """LBANN's input layers read labels from a built-in reader, from the samples of a Python one: one kind only."""
    fmts = {d.format in FORMATS for d in em.train.data.values()}
    if len(fmts) > 1:
        src = next(d for d in em.train.data.values() if d.format in FORMATS)
        raise refuse("python-mixed-formats",
                     f"data.{src.role}.format: {src.format} is read by LBANN's Python reader, which gives the "
                     "labels inside the samples, and the other roles use built-in readers, which give them "
                     "apart; one model's input layers cannot read both (target `lbann`)",
                     src.field_spans.get("format", src.span), "give every role the same format")


def inputs(em: Base, sample_dims: list[int]) -> None:
    """One `samples` input: the model's input values, then (when the model reads one) the label, cut apart."""
    g = em.g
    samples = [v for v in g.inputs if g.input_roles.get(v.name) == "sample"]
    labels = [v for v in g.inputs if g.input_roles.get(v.name) == "label"]
    extra = samples[1:] + labels[1:]
    if extra or not samples:
        raise refuse("python-inputs", "a record holds one sample and one label, and this model reads "
                     f"{len(samples)} sample and {len(labels)} label inputs (target `lbann`)",
                     extra[0].span if extra else None)
    v = samples[0]
    n = math.prod(sample_dims)
    lay, sub = em.layer("samples", [], "input")
    sub.data_field = "samples"
    parent = lay.name
    if labels:
        sl, ssub = em.layer("samples_slice", [lay.name], "slice")
        ssub.axis = 0
        ssub.slice_points.extend([0, n, n + 1])
        parent = sl.name
    r, rsub = em.layer(v.name, [parent], "reshape")
    rsub.dims.extend(sample_dims)
    em.src[id(v)] = r.name
    for y in labels:
        heads = [h for h in [*g.losses, *g.metrics.values()] if y in h.inputs]
        if any(h.op in ("cross_entropy", "accuracy", "top_k_accuracy") for h in heads):
            oh, osub = em.layer(y.name, [parent], "one_hot")  # the record's label is a class index
            osub.size = classes(em)
            em.src[id(y)] = oh.name
        else:
            idy, _ = em.layer(y.name, [parent], "identity")
            em.src[id(y)] = idy.name


def classes(em: Base) -> int:
    for h in [*em.g.losses, *em.g.metrics.values()]:
        if h.op in ("cross_entropy", "accuracy", "top_k_accuracy"):
            d = h.inputs[0].ttype.shape[-1]
            if isinstance(d, int):
                return d
    raise refuse("python-classes", "the classes of the labels are not static (target `lbann`)", None)


def reader(em: Base, src: DataSource, r: pb.Reader, limit: int | None, shape: list[int]) -> dict:
    """Fill a Python reader entry; the module's spec for the role."""
    f, sp = src.fields, src.field_spans
    if limit is not None and f.get("fraction") is not None:
        raise refuse("python-fraction",
                     f"data.{src.role}.fraction with an evaluation limit: LBANN takes the fraction after the "
                     "reader's count (target `lbann`)", sp.get("fraction"), f"give data.{src.role}.samples")
    labelled = f.get("has_label") is not False and any(
        em.g.input_roles.get(v.name) == "label" for v in em.g.inputs)
    spec = {"format": src.format, "path": str(f["path"]), "shape": shape, "label": labelled,
            "samples": int(f["samples"]) if f.get("samples") is not None else None, "limit": limit}
    spec.update(_text(src, shape) if src.format == "text" else _records(src, shape))
    stem = module_name(em.ctx.stem)
    p = r.python
    p.module, p.module_dir = stem, "."
    p.sample_function = f"{src.role}_sample"
    p.num_samples_function = f"{src.role}_num_samples"
    p.sample_dims_function = f"{src.role}_sample_dims"
    return spec


def _records(src: DataSource, shape: list[int]) -> dict:
    f, sp = src.fields, src.field_spans
    if f.get("backend") not in (None, "kvfile"):
        raise refuse("python-backend",
                     f"data.{src.role}.backend: {f['backend']}: nncc reads SINGA's kvfile record stores for "
                     "LBANN (target `lbann`)", sp.get("backend"))
    for c in src.transforms:
        if c.name not in VALUE_TRANSFORMS:
            raise refuse("python-transform",
                         f"transform `{c.name}` of record files has no LBANN equivalent: nncc's Python reader "
                         "applies scale, normalize and mean_file (target `lbann`)", c.span)
        if c.name == "normalize" and len(c["mean"]) != len(c["std"]):
            raise refuse("normalize-lengths",
                         "normalize(): give as many std values as mean values (target `lbann`)", c.span)
        if c.name == "normalize" and len(c["mean"]) not in (1, shape[0]):
            raise refuse("python-normalize-channels",
                         f"normalize() with {len(c['mean'])} means for samples of {shape[0]} channels "
                         "(target `lbann`)", c.span)
    return {"transforms": [{"name": c.name, **c.args} for c in src.transforms if c.name != "to_float"]}


def _text(src: DataSource, shape: list[int]) -> dict:
    """A character corpus: windows of the sample's length T, so the sample input is [N, T]."""
    f, sp = src.fields, src.field_spans
    if len(shape) != 1:
        raise refuse("text-sample-dims",
                     f"data.{src.role}.format: text gives windows of character indices [N, T], and the "
                     f"model's sample input has sample dims {shape} (target `lbann`)", sp.get("format", src.span))
    if f.get("backend") is not None:
        raise refuse("text-backend", f"data.{src.role}.backend: a text corpus is a plain file (target `lbann`)",
                     sp.get("backend"))
    if src.transforms:
        raise refuse("text-transform",
                     f"transform `{src.transforms[0].name}` of a text corpus: its samples are character "
                     "indices, which nncc's Python reader gives as they are (target `lbann`)", src.transforms[0].span)
    return {"vocab": str(f["labels"]) if f.get("labels") else None}


def module(em: Base, specs: dict[str, dict], prototext: str) -> str:
    from importlib import resources

    from nncc.quoting import docstring, python_literal, script_env

    root = resources.files("nncc.templates")
    env = script_env(lambda name: root.joinpath(*name.split("/")).read_text("utf-8"))
    env.filters["py"] = python_literal
    env.filters["docstring"] = docstring
    return str(env.get_template("lbann_reader.py.j2").render(model=em.ctx.model.name, prototext=prototext,
                                                            roles=specs))
