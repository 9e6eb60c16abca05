"""`train.mode: test`: a job that only evaluates given weights, and what such a job adds.

* `feedback: {input, from, low, high}` generates step by step: from the second test step on, the graph
  input `input` is the output `from` of the step before; at the first it is drawn uniformly from
  [low, high) (rounded down for an integer input). SINGA's char-rnn samples text this way.
* `write: {output: writer}` writes an output's rows after each step: `csv(path)`, `records(path,
  backend)` or `text(vocab)` (indices as the characters at those places of a vocabulary file).

Targets carry these out or refuse them (E510, nncc.driver.check_train_features); the checks that need
only the model are here, at the user's line.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import codes
from .diagnostics import DiagnosticBag, Span, did_you_mean
from .ir import Graph, Value
from .record import Record
from .source import YMap
from .train_schema import FEEDBACK_FIELDS, WRITERS, Config, R, TrainConfig

if TYPE_CHECKING:
    from .train import TrainReader

# What a test-only job cannot use: it trains nothing, so these would be dropped without a word.
TRAINING_ONLY = ("optimizer", "schedule", "steps", "epochs", "stages", "clip_grad", "clip_norm", "checkpoint",
                 "test_every", "validate_steps", "validate_every", "precision")


class Feedback(Record):
    input: str
    source: str  # the output fed back (`from`)
    low: float
    high: float
    span: Span | None
    from_span: Span | None
    __slots__ = ("input", "source", "low", "high", "span", "from_span")

    def __init__(self, input: str, source: str, low: float, high: float, span: Span | None = None,
                 from_span: Span | None = None) -> None:
        self.input = input
        self.source = source
        self.low = low
        self.high = high
        self.span = span
        self.from_span = from_span


class Writer(Record):
    output: str
    call: Config
    span: Span | None  # the output's name
    __slots__ = ("output", "call", "span")

    def __init__(self, output: str, call: Config, span: Span | None = None) -> None:
        self.output = output
        self.call = call
        self.span = span


def _output(r: TrainReader, name: str, span: Span | None, what: str) -> Value | None:
    outs = {v.name: v for v in r.el.graph.outputs}
    v = outs.get(name)
    if v is None:
        found, _ = r.el.glob.get(name)
        guess = did_you_mean(name, list(outs))
        r.bag.error(codes.BAD_SETTING, f"{what} names `{name}`, which is not an output of the model", span,
                    f"add `{name}` to outputs" if found else f"did you mean `{guess}`?" if guess else
                    f"outputs: {', '.join(outs) or '(none)'}")
    return v


def read_test_job(r: TrainReader, vals: dict[str, Any], node: YMap) -> None:
    """Check `mode`, `feedback` and `write` (already read as raw values in `vals`) into r.cfg.settings."""
    c = r.cfg
    test = vals.get("mode") == "test"
    if not test:
        c.settings.pop("mode", None)
        for key in ("feedback", "write"):
            if key in vals:
                r.bag.error(codes.BAD_SETTING, f"train.{key} belongs to a test job, which only evaluates given "
                            "weights", c.spans.get(key), "write `mode: test` in train")
        return
    for key in TRAINING_ONLY:
        if key in vals:
            r.bag.error(codes.BAD_SETTING, f"mode: test trains nothing, so `{key}` has no use", c.spans.get(key),
                        f"remove `{key}`, or train in another job")
    if "train" in c.data:
        r.bag.error(codes.BAD_SETTING, "mode: test trains nothing, so data.train has no use",
                    c.data["train"].span, "give the data to evaluate as data.test")
    if vals.get("test_steps") is None:
        r.bag.error(codes.MISSING_SETTING, "mode: test needs `test_steps` (the batches it evaluates)",
                    c.spans.get("mode"))
    if "feedback" in vals:
        c.settings["feedback"] = _feedback(r, vals["feedback"])
    if "write" in vals:
        c.settings["write"] = _writers(r, vals["write"])


def _feedback(r: TrainReader, node: Any) -> Feedback | None:
    if not isinstance(node, YMap):
        r.bag.error(codes.WRONG_STRUCTURE, "`feedback` is a mapping such as {input: chars, from: next, high: 101}",
                    node.span)
        return None
    f, spans = r._fields(node, FEEDBACK_FIELDS, "feedback")
    if any(k not in f for k, fd in FEEDBACK_FIELDS.items() if fd.default is R):
        return None  # reported by _fields
    g = r.el.graph
    ins = {v.name: v for v in g.inputs}
    x = ins.get(f["input"])
    if x is None:
        guess = did_you_mean(f["input"], list(ins))
        r.bag.error(codes.BAD_SETTING, f"feedback.input `{f['input']}` is not an input of the model",
                    spans.get("input"), f"did you mean `{guess}`?" if guess else f"inputs: {', '.join(ins)}")
    y = _output(r, f["from"], spans.get("from"), "feedback.from")
    low = f.get("low", 0.0)
    if not low < f["high"]:
        r.bag.error(codes.BAD_SETTING, f"feedback draws the first input from [low, high); [{low:g}, {f['high']:g}) "
                    "is empty", spans.get("high"))
    if x is None or y is None:
        return None
    return Feedback(f["input"], f["from"], float(low), float(f["high"]), node.span, spans.get("from"))


def _writers(r: TrainReader, node: Any) -> list[Writer]:
    if not isinstance(node, YMap):
        r.bag.error(codes.WRONG_STRUCTURE, "`write` maps outputs to writers, e.g. {probs: \"csv(path=probs.csv)\"}",
                    node.span)
        return []
    out = []
    for k, v in node.items:
        y = _output(r, k.value, k.span, "write")
        call = r._config(v, WRITERS, "writer")
        if y is None or call is None:
            continue
        out.append(Writer(k.value, call, k.span))
    return out


def check_test_job(cfg: TrainConfig, g: Graph, bag: DiagnosticBag) -> None:
    """The checks that need the shapes (after shape inference): a fed-back value has the type of the input
    it feeds; text() writes one integer index per sample."""
    fb: Feedback | None = cfg.get("feedback")
    if fb is not None:
        x = next((v for v in g.inputs if v.name == fb.input), None)
        y = next((v for v in g.outputs if v.name == fb.source), None)
        if x is not None and y is not None and x.type is not None and y.type is not None and x.type != y.type:
            bag.error(codes.SHAPE_MISMATCH, f"feedback.from `{y.name}` is {y.type}, but the input `{x.name}` it "
                      f"feeds is {x.type}", fb.from_span, "feed back a value of the input's type and shape")
    for w in cfg.get("write") or []:
        y = next((v for v in g.outputs if v.name == w.output), None)
        if w.call.name == "text" and y is not None and y.type is not None and (
                not y.ttype.dtype.startswith(("i", "u")) or y.ttype.shape[1:] not in ((), (1,))):
            bag.error(codes.BAD_SETTING, f"text() writes one character index per sample; `{y.name}` is {y.type}",
                      w.call.span, "write an integer output [N] or [N, 1], e.g. argmax(probs)")
