"""Data readers (`DataReader`) and their transforms, from `train.data`."""
from __future__ import annotations

import math
import os
from collections.abc import Callable

from nncc import training
from nncc.ir import Value
from nncc.train import Config, DataSource

from . import lbann_pb2 as pb
from . import pyreader
from .base import Base, _fmt
from .refusals import Unsupported, refuse

READERS: dict[str, tuple[str, tuple[int, ...] | None]] = {
    "mnist": ("mnist", (1, 28, 28)), "cifar10": ("cifar10", (3, 32, 32)), "imagenet": ("imagenet", None),
    "npz": ("numpy_npz", None), "hdf5": ("hdf5", None), "csv": ("csv", None),
}
EVAL_STEPS = {"test": "test_steps", "validate": "validate_steps"}  # roles whose batches a train key limits
MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "validate": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
IMAGE_READERS = ("cifar10", "imagenet")  # decode to 8-bit images; spatial transforms need these


class DataReaders(Base):
    static_input: Callable[[Value], list[int]]  # the Emitter's (emit.py): an input's static sample dims

    # ---------------------------------------------------------------- data reader

    def data_reader(self) -> None:
        if self.opts.get("reader"):
            return
        t = self.train
        if not t.data:
            raise refuse("no-data", "train.data is missing: LBANN needs a data reader (target `lbann`)",
                         self.ctx.model.root.span if hasattr(self.ctx.model, "root") else None,
                         "add train.data.train: {format: mnist, path: …}, or -O reader=FILE.prototext")
        classes = self.num_classes()
        for role, key in EVAL_STEPS.items():
            if t.get(key) is not None and role not in t.data:
                self.errors.append(refuse("limit-without-role",
                                          f"train.{key} limits the {role} data, and there is no data.{role} "
                                          "(target `lbann`)", t.spans.get(key), f"add data.{role}"))
        try:
            pyreader.check_formats(self)
        except Unsupported as e:
            self.errors.append(e)
            return
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
                d = n.inputs[0].ttype.shape[-1]
                if isinstance(d, int):
                    return d
        return 0

    def eval_limit(self, src: DataSource) -> int | None:
        """The samples `test_steps`/`validate_steps` batches hold, or None: nncc evaluates those first batches."""
        key = EVAL_STEPS.get(src.role)
        steps = self.train.get(key) if key else None
        if steps is None:
            return None
        if src.fields.get("shuffle"):
            raise refuse("limit-shuffled",
                         f"train.{key} with data.{src.role}.shuffle: nncc evaluates the first {steps} batches "
                         f"of a new order each time, LBANN one subset drawn once (target `lbann`)",
                         src.field_spans.get("shuffle", src.span), f"read data.{src.role} in order")
        return int(steps) * int(src.fields.get("batch_size") or self.train.batch_size)

    def sample_count(self, src: DataSource) -> int | None:
        """LBANN's absolute_sample_count for a reader, or None when it reads a fraction of its data.

        `samples` (times `fraction`, rounded down, as training.dataset_samples) and an evaluation limit
        (`test_steps` × the batch) are counts; LBANN stops when a count exceeds the data, so a limit
        needs the set's size: the smaller of the two is the count."""
        f = src.fields
        size = None
        if f.get("samples") is not None:
            size = max(0, math.floor(int(f["samples"]) * float(f.get("fraction") or 1.0) + 1e-9))
        limit = self.eval_limit(src)
        if limit is None:
            return size
        if size is None:
            known = training.KNOWN_SAMPLES.get(src.format, {}).get(src.role)
            if known is None:
                key = EVAL_STEPS[src.role]
                raise refuse("limit-unknown-size",
                             f"train.{key} limits data.{src.role} to {limit} samples, which LBANN counts with "
                             "absolute_sample_count and refuses when the set holds fewer; the size of this set "
                             "is unknown (target `lbann`)", self.train.spans.get(key),
                             f"give data.{src.role}.samples (the samples in the set)")
            size = max(0, math.floor(known * float(f.get("fraction") or 1.0) + 1e-9))
        return min(size, limit)

    def reader(self, src: DataSource, classes: int) -> None:
        fmt = src.format
        sp = src.field_spans
        r = pb.Reader(role=src.role)
        f = src.fields
        r.shuffle = bool(f.get("shuffle")) if f.get("shuffle") is not None else src.role == "train"
        name = READERS[fmt][0] if fmt in READERS else "python"  # every format is one of the two (test_lbann.py)
        r.name = name
        path = f["path"]
        if fmt == "mnist":
            r.data_filedir = path
            r.data_filename, r.label_filename = MNIST_FILES[src.role]
            if f.get("labels"):
                r.label_filename = f["labels"]
        elif fmt == "cifar10":
            if src.role == "validate":
                raise refuse("cifar10-validate", "data.validate: LBANN's CIFAR-10 reader has train and test roles only "
                             "(target `lbann`)", src.span,
                             "hold validation data out of the train set: data.train.validation_fraction: 0.1")
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
        if f.get("has_label") is False and fmt not in pyreader.FORMATS:
            r.disable_labels = True
        if fmt == "npz" and (f.get("sample_key") not in (None, "data") or f.get("label_key") not in (None, "labels")):
            raise refuse("npz-keys", f"data.{src.role}: LBANN's npz reader reads the arrays `data` and `labels`; "
                         f"other keys have no equivalent (target `lbann`)",
                         sp.get("sample_key", sp.get("label_key", src.span)))
        if fmt not in ("hdf5", "npz") and (f.get("sample_key") or f.get("label_key")):
            key = "sample_key" if f.get("sample_key") else "label_key"
            raise refuse("reader-keys",
                         f"data.{src.role}.{key} has no meaning for LBANN's {name} reader (target `lbann`)",
                         sp.get(key, src.span))
        if f.get("validation_fraction") is not None:
            if src.role != "train":
                raise refuse("validation-fraction-role",
                             f"data.{src.role}.validation_fraction: LBANN splits validation data off the "
                             f"train reader only (target `lbann`)", sp.get("validation_fraction"))
            r.validation_fraction = float(f["validation_fraction"])
        # LBANN reads exactly one of a sample count and a fraction (rules.READER_SIZE); its frontend writes a
        # fraction of 1.0 when nothing is said.
        count = self.sample_count(src) if fmt not in pyreader.FORMATS else None  # the module counts its own
        if count is not None:
            r.absolute_sample_count = count
        else:
            r.fraction_of_data_to_use = float(f["fraction"]) if f.get("fraction") is not None else 1.0
        # LBANN evaluates with the training mini-batch too; losses and metrics are per-sample means (LBANN's
        # metric statistics and nncc's alike), so an evaluation role's own batch size changes nothing but the
        # count of samples test_steps covers (eval_limit).
        if f.get("batch_size") is not None and f["batch_size"] != self.train.batch_size and src.role == "train":
            raise refuse("train-batch-size",
                         f"data.train.batch_size: {f['batch_size']}: LBANN trains with one mini-batch size, "
                         f"train.batch_size ({self.train.batch_size}) (target `lbann`)", sp.get("batch_size"))
        for key in ("random_skip", "backend") if fmt not in pyreader.FORMATS else ("random_skip",):
            if f.get(key) is not None:
                raise refuse("reader-field",
                             f"data.{src.role}.{key} has no LBANN equivalent (target `lbann`)", sp.get(key))
        if f.get("shape") is not None:
            samples = [v for v in self.g.inputs if self.g.input_roles.get(v.name) == "sample"]
            want = [math.prod(self.static_input(v)) for v in samples]
            if math.prod(f["shape"]) != sum(want):
                raise refuse("reader-shape",
                             f"data.{src.role}.shape {f['shape']} does not match the model's sample inputs "
                             f"(target `lbann`)", sp.get("shape"))
        if fmt in pyreader.FORMATS:
            samples = [v for v in self.g.inputs if self.g.input_roles.get(v.name) == "sample"]
            shape = self.static_input(samples[0]) if samples else []
            self.py_specs[src.role] = pyreader.reader(self, src, r, self.eval_limit(src), shape)
        else:
            transforms(r, src, fmt, self)
        self.exp.data_reader.reader.add().CopyFrom(r)


# -------------------------------------------------------------------- transforms

RESIZED_CROP_DEFAULTS = (0.08, 1.0, 0.75, 4 / 3)  # LBANN's random_resized_crop without scale_min: these bounds


def _resized_center_crops(ts: list[pb.Transform]) -> list[pb.Transform]:
    """resize then center_crop is LBANN's one `resized_center_crop`, as its ImageNet recipes write it."""
    out: list[pb.Transform] = []
    for t in ts:
        if t.HasField("center_crop") and out and out[-1].HasField("resize"):
            rs, cc = out.pop().resize, t.center_crop
            m = pb.Transform()
            m.resized_center_crop.height, m.resized_center_crop.width = rs.height, rs.width
            m.resized_center_crop.crop_height, m.resized_center_crop.crop_width = cc.height, cc.width
            t = m
        out.append(t)
    return out


def _height_width(c: Config) -> tuple[int, int]:
    """A crop's or resize's `size`: one size, or height and width, each at least 1 (LBANN's fields are
    unsigned: -1 was a ValueError from protobuf, found by the long fuzz run for random_resized_crop)."""
    size = list(c["size"])
    if len(size) not in (1, 2) or min(size) < 1:
        raise refuse("crop-size", f"{c.name}(size={size}): give one size or height and width, each at least 1 "
                     "(target `lbann`)", c.span)
    return (size[0], size[0]) if len(size) == 1 else (size[0], size[1])


def transforms(r: pb.Reader, src: DataSource, fmt: str, em: DataReaders) -> None:
    """LBANN's image readers decode 8-bit pixels and need the spatial transforms first, then one
    transform that turns bytes into floats; scale(1/255) followed by normalize is exactly
    `normalize_to_lbann_layout`. Spatial transforms commute with per-channel scaling, so they are
    moved ahead of it; padding with zeros commutes with scaling, not with normalize."""
    spatial: list[pb.Transform] = []
    values: list[Config] = []
    for c in src.transforms:
        if c.name in ("random_crop", "center_crop", "resize"):
            if c.get("pad"):  # zeros around the pixels (LBANN's pad transform), then the crop
                if any(v.name == "normalize" for v in values):
                    raise refuse("random-crop-pad",
                                 "random_crop(pad=…) after normalize(): nncc pads the normalized values with 0, "
                                 "while LBANN pads the 8-bit pixels before they become floats, so its padding "
                                 "would be normalized too (target `lbann`)", c.span, "crop before normalize()")
                spatial.append(pb.Transform(pad=pb.Transform.Pad(pad=int(c["pad"]))))
            h, w = _height_width(c)
            t = pb.Transform()
            getattr(t, c.name).height = h
            getattr(t, c.name).width = w
            spatial.append(t)
        elif c.name == "random_resized_crop":
            h, w = _height_width(c)
            t = pb.Transform()
            rc = t.random_resized_crop
            rc.height, rc.width = h, w
            bounds = (c["min_scale"], c["max_scale"], c["min_ratio"], c["max_ratio"])
            if any(not math.isclose(a, b, rel_tol=1e-6) for a, b in zip(bounds, RESIZED_CROP_DEFAULTS)):
                rc.scale_min, rc.scale_max, rc.ar_min, rc.ar_max = bounds  # LBANN reads all four or none
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
            raise refuse("transform", f"transform `{c.name}` has no LBANN equivalent (target `lbann`)", c.span,
                         "LBANN has normalize, scale, random_crop, center_crop, resize and the flips")
    if spatial and fmt not in IMAGE_READERS:
        c = next(c for c in src.transforms if c.name not in ("scale", "normalize", "to_float"))
        raise refuse("transform-reader",
                     f"transform `{c.name}` needs one of LBANN's image readers (cifar10, imagenet), "
                     f"not {fmt} (target `lbann`)", c.span)
    r.transforms.extend(_resized_center_crops(spatial))
    if fmt == "imagenet":  # a few ImageNet JPEGs are grey: three channels for every sample, as LBANN's recipes
        r.transforms.add().colorize.SetInParent()
    if fmt in IMAGE_READERS:
        if not values or values[0].name != "scale" or not math.isclose(values[0]["factor"], 1 / 255, rel_tol=1e-6):
            raise refuse("pixels-to-floats",
                         f"data.{src.role}: LBANN's {fmt} reader turns pixels into floats in [0, 1]; start the "
                         f"value transforms with scale(1/255) (target `lbann`)",
                         values[0].span if values else src.span)
        if len(values) > 1 and values[1].name == "normalize":
            t = r.transforms.add()
            n = values[1]
            # The model file gives RGB order; LBANN's image readers decode with OpenCV, whose pixels are
            # BGR until to_lbann_layout, where these values apply, so three channels are reversed.
            mean, std = list(n["mean"]), list(n["std"])
            if len(mean) == 3 and len(std) == 3:
                mean, std = mean[::-1], std[::-1]
            t.normalize_to_lbann_layout.means = " ".join(_fmt(x) for x in mean)
            t.normalize_to_lbann_layout.stddevs = " ".join(_fmt(x) for x in std)
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
                raise refuse("normalize-lengths",
                             "normalize(): give as many std values as mean values (target `lbann`)", c.span)
            t.normalize.means = " ".join(_fmt(x) for x in c["mean"])
            t.normalize.stddevs = " ".join(_fmt(x) for x in c["std"])
