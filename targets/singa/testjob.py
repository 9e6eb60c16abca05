"""A test-only job (`train.mode: test`) and what it adds: a fed-back input and output writers.

SINGA v0.3 runs such a job with `singa -test` (Driver::Test): it builds the net of the test phase, loads its
params from `checkpoint_path` (nothing initialises them otherwise) and runs `test_steps` batches on the
thread that started it, which is given no GPU. `feedback` becomes a kRNNDummy input layer: random
values from [low, high) at the first step (rounded down when `integer`), then the blob of its
`dynamic_srclayer` from the step before (BPTTWorker, test phase). Writers become output layers: csv →
kCSVOutput, records → kRecordOutput, text → kCharRNNOutput.
"""
from __future__ import annotations

from typing import Any

from nncc import codes
from nncc.ir import Value
from nncc.testjob import Feedback, Writer

from . import job_pb2 as pb
from .base import Base


class TestJob(Base):
    dummy: Any = None  # the kRNNDummy layer of a fed-back input

    @property
    def test_only(self) -> bool:
        return self.cfg is not None and self.cfg.get("mode") == "test"

    def _output(self, name: str) -> Value | None:
        return next((v for v in self.g.outputs if v.name == name), None)

    def test_settings(self) -> None:
        """What Driver::Test needs: the params to load."""
        if not self.test_only or self.ctx.weights_path is not None:  # --weights: checkpoint.py points at them
            return
        if not self.job.checkpoint_path:
            self.err("a test job evaluates given weights: SINGA's Driver::Test loads them from checkpoint_path and "
                     "initialises nothing", self.tspan("mode"), "give targets.singa.checkpoint_path (the "
                     "checkpoint files of the training job), or --weights", code=codes.MISSING_TARGET_SETTING)

    def feedback_layer(self, fb: Feedback) -> None:
        """The fed-back input: a kRNNDummy `data` layer of one value per sample."""
        x = next((v for v in self.g.inputs if v.name == fb.input), None)
        if x is None or x.type is None:
            return
        if x.ttype.shape[1:] not in ((), (1,)):
            self.err(f"SINGA's kRNNDummy feeds back one value per sample and step; the input `{x.name}` is "
                     f"{x.type}", fb.span, "declare the input [N] or [N, 1]")
            return
        ly = self.dummy = self.add_layer("data", pb.kRNNDummy, [])
        c = ly.rnn_dummy_conf
        c.shape.append(self.i32(self.cfg.batch_size, self.tspan("batch_size"), "the batch size"))
        if x.ttype.dtype.startswith(("i", "u")):
            c.integer = True
        c.low, c.high = fb.low, fb.high

    def test_outputs(self) -> None:
        """After the layers: the fed-back layer's source, and one output layer per writer."""
        fb: Feedback | None = self.cfg.get("feedback")
        if fb is not None and self.dummy is not None:
            y = self._output(fb.source)
            src = self.src.get(id(y)) if y is not None else None
            if src is None:
                self.err(f"feedback.from `{fb.source}` is computed by no layer of the job", fb.span)
            else:
                self.dummy.rnn_dummy_conf.dynamic_srclayer = src
        w: Writer
        for w in self.cfg.get("write") or []:
            y = self._output(w.output)
            src = self.src.get(id(y)) if y is not None else None
            if src is None:
                self.err(f"write: `{w.output}` is computed by no layer of the job", w.span)
                continue
            name = self.layer_name(f"{w.output}_{w.call.name}")
            if w.call.name == "csv":
                # CSVOutputLayer writes to a text file; it misreads a given backend, so none is written
                ly = self.add_layer(name, pb.kCSVOutput, [src])
                ly.store_conf.path = w.call["path"]
            elif w.call.name == "records":
                ly = self.add_layer(name, pb.kRecordOutput, [src])
                ly.store_conf.backend = w.call.get("backend") or self.opts.get("backend") or "kvfile"
                ly.store_conf.path = w.call["path"]
            else:  # text: CharRNNOutputLayer prints the vocabulary's character at each sample's index
                ly = self.add_layer(name, pb.kCharRNNOutput, [src])
                ly.char_rnn_conf.vocab_path = w.call["vocab"]
