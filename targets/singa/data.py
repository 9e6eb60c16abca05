"""Input layers: one `data` layer per data split (`include: kTrain / kTest / kVal`), from `train.data`."""
from __future__ import annotations

from nncc import codes
from nncc.ir import Value
from nncc.diagnostics import Span
from nncc.train import Config, DataSource

from . import job_pb2 as pb
from .base import PHASES
from .testjob import TestJob


class DataLayers(TestJob):
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
        fb = self.cfg.get("feedback")
        if fb is not None:  # a test job that generates: its input is fed back, no data is read
            self.feedback_layer(fb)
            return
        if not self.cfg.data:
            self.err("SINGA reads its data itself: give train.data (train, and test or validate when used)",
                     self.tspan("batch_size"), code=codes.MISSING_TARGET_SETTING)
            return
        sample = samples[0] if samples else None
        self.crops: dict[str, tuple[int, Span | None]] = {}  # role -> crop size, from the role's transforms
        self.mirror: Span | None = None
        for role in ("train", "validate", "test"):
            ds = self.cfg.data.get(role)
            if ds is not None:
                self.data_layer(ds, sample, bool(labels))
        if sample is not None and (self.crops or self.mirror is not None):
            self.preprocess(sample)

    def phase(self, ds: DataSource) -> int | None:
        """The input layer's `include`: its role's phase, none when the job reads one role only (SINGA
        builds the test and validation nets only when the job tests or validates, which needs their data)."""
        return PHASES[ds.role] if len(self.cfg.data) > 1 else None

    def preprocess(self, sample: Value) -> None:
        """Crops and mirroring → one kImagePreprocess layer after the input layers: SINGA crops a random
        window and mirrors half the images in training, and takes the top-left window otherwise."""
        sizes = {size for size, _ in self.crops.values()}
        if len(sizes) > 1:
            self.err(f"SINGA's kImagePreprocess crops every phase to one size; the data roles crop to "
                     f"{sorted(sizes)}", next(iter(self.crops.values()))[1])
        ly = self.add_layer(self.layer_name("image"), pb.kImagePreprocess, ["data"])
        if sizes:
            ly.rgbimage_conf.cropsize = self.i32(min(sizes), None, "the crop size")
        if self.mirror is not None:
            ly.rgbimage_conf.mirror = True
        self.src[id(sample)] = ly.name

    def crop(self, ds: DataSource, t: Config) -> None:
        size = list(t["size"])
        if len(size) == 2 and size[0] != size[1] or len(size) > 2:
            self.err(f"SINGA's kImagePreprocess crops squares; {t.name}(size={size}) is not one", t.span)
            return
        if t.name == "random_crop":
            if ds.role != "train":
                self.err("SINGA crops at random in training only; other phases get the top-left window", t.span,
                         f"write center_crop({size[0]}) for data.{ds.role}")
            if t["pad"]:
                self.err("SINGA's kImagePreprocess does not pad before cropping", t.span)
        elif ds.role == "train":
            self.err("SINGA's kImagePreprocess crops at random in training; a fixed crop there has no equivalent",
                     t.span, f"write random_crop({size[0]}) for data.train")
        else:
            self.warn(f"SINGA's kImagePreprocess takes the top-left {size[0]}×{size[0]} window outside training, "
                      "not the centre", t.span)
        self.crops[ds.role] = (size[0], t.span)

    def flip(self, ds: DataSource, t: Config) -> None:
        if t.name != "horizontal_flip" or ds.role != "train" or t["p"] != 0.5:
            self.err("SINGA's kImagePreprocess mirrors (left-right) half of the training images only; "
                     f"{t.name}(p={t['p']}) in data.{ds.role} has no equivalent", t.span,
                     "write horizontal_flip() in data.train only")
            return
        self.mirror = t.span

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
        ly = self.add_layer("data", type_, [], self.phase(ds))
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
        st.shape.extend(self.i32(d, sp.get("shape") or (sample.span if sample is not None else None), "a sample dim") for d in shape or [])
        if f.get("has_label") is False:
            st.has_label = False
        for key, why in (("fraction", "reads the whole file"), ("validation_fraction", "holds nothing out"),
                         ("sample_key", "reads unnamed records"), ("label_key", "reads unnamed records"),
                         ("labels", "reads the labels from the records")):
            if f.get(key) is not None:
                self.err(f"data.{ds.role}.{key}: SINGA v0.3's {pb.LayerType.Name(type_)} {why}, so it has no "
                         "equivalent", sp.get(key, ds.span), "prepare the record files as the job should read them")
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
            elif t.name in ("random_crop", "center_crop"):
                self.crop(ds, t)
            elif t.name in ("horizontal_flip", "vertical_flip"):
                self.flip(ds, t)
            elif t.name in ("resize", "random_resized_crop", "color_jitter"):
                self.err(f"SINGA v0.3's {'kRecordInput' if type_ == pb.kRecordInput else 'kCSVInput'} has no "
                         f"`{t.name}` transform", t.span, "prepare the records with the transform applied")
            else:
                self.err(f"SINGA has no `{t.name}` transform", t.span)
        if f.get("shuffle"):
            self.warn("SINGA reads records in order; shuffle is approximated by nothing (use random_skip)",
                      sp.get("shuffle", ds.span))


def _char_rnn_data(E: DataLayers, ds: DataSource, sample: Value | None) -> None:
    """format: text → kCharRNN (characters of `path`, indexed by the vocabulary file `labels`); it gives one
    blob per unrolled step (and one more: the labels, read by kRNNLabel)."""
    f = ds.fields
    ly = E.add_layer("data", pb.kCharRNN, [], E.phase(ds))
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
