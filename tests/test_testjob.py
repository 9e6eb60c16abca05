"""Issue 16: a test-only job (`train.mode: test`) with a fed-back input (`feedback`) and output writers
(`write`), for every target: SINGA maps them (singa -test, kRNNDummy, kArgSort, kCSVOutput,
kRecordOutput, kCharRNNOutput), the other training targets refuse them at the user's line (E510), and
what is wrong in the model is reported at its character."""
from __future__ import annotations

import pytest
from google.protobuf import text_format
from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.targets.singa import job_pb2 as pb

SAMPLER = """\
nncc: 1
model: sampler
inputs:
  char: i64[N, 1]
graph:
  h: gru(one_hot(char, 5), 8, return_sequences=true, bias=false)
  probs: h |> linear(5) |> softmax
  next: argmax(probs)
outputs: [next, probs]
train:
  mode: test
  batch_size: 2
  test_steps: 10
  feedback: {input: char, from: next, high: 5}
  write: {next: "text(vocab=\\"vocab.txt\\")", probs: "csv(path=\\"probs.csv\\")"}
targets:
  singa: {checkpoint_path: "ckpt/step100-worker0"}
"""

CLASSIFIER = """\
nncc: 1
model: scorer
inputs:
  x: f32[N, 6]
graph:
  probs: x |> linear(4) |> softmax
outputs: [probs]
train:
  mode: test
  batch_size: 10
  test_steps: 3
  write: {probs: "records(path=\\"out.bin\\")"}
  data:
    test: {format: record, path: "test.bin"}
targets:
  singa: {checkpoint_path: "ckpt/step100-worker0"}
"""


def compile_text(text: str, target: str = "singa", **kw):
    return compile_model("m.yaml", target, data=text.encode(), **kw)


def job(text: str) -> pb.JobProto:
    files = compile_text(text).files
    (conf,) = [v for k, v in files.items() if k.endswith(".conf")]
    return text_format.Parse(conf.decode(), pb.JobProto())


def errors(text: str, target: str = "singa") -> list:
    with pytest.raises(CompileError) as ei:
        compile_text(text, target)
    return [d for d in ei.value.diagnostics if d.is_error]


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """(line, column), 1-based, of the `nth` occurrence of `needle` in `text`."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


def one(diags: list, code: str):
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, [(d.code, d.message) for d in diags]
    return found[0]


# ---------------------------------------------------------------- SINGA

def test_singa_writes_a_sampling_test_job():
    j = job(SAMPLER)
    assert not j.HasField("train_steps") and not j.HasField("updater") and j.test_steps == 10
    assert list(j.checkpoint_path) == ["ckpt/step100-worker0"]
    (data,) = [ly for ly in j.neuralnet.layer if ly.name == "data"]
    assert data.type == pb.kRNNDummy
    c = data.rnn_dummy_conf
    assert (list(c.shape), c.integer, c.low, c.high) == ([2], True, 0.0, 5.0)
    (argsort,) = [ly for ly in j.neuralnet.layer if ly.type == pb.kArgSort]
    assert c.dynamic_srclayer == argsort.name  # the input is, from step 2 on, the argmax of the step before
    (text,) = [ly for ly in j.neuralnet.layer if ly.type == pb.kCharRNNOutput]
    assert list(text.srclayers) == [argsort.name] and text.char_rnn_conf.vocab_path == "vocab.txt"
    (csv,) = [ly for ly in j.neuralnet.layer if ly.type == pb.kCSVOutput]
    (softmax,) = [ly for ly in j.neuralnet.layer if ly.type == pb.kSoftmax]
    assert list(csv.srclayers) == [softmax.name] and csv.store_conf.path == "probs.csv"
    assert not csv.store_conf.HasField("backend")  # CSVOutputLayer misreads a given backend
    (gru,) = [ly for ly in j.neuralnet.layer if ly.type == pb.kGRU]
    assert len(gru.param) == 6 and not gru.gru_conf.HasField("bias_term")  # v0.3 counts the params
    assert not j.neuralnet.HasField("unroll_len")


def test_singa_launches_a_test_job_with_dash_test():
    files = compile_text(SAMPLER).files
    (script,) = [v.decode() for k, v in files.items() if k.endswith(".sh")]
    assert '-conf "$conf" -test "$@"' in script
    (trainer,) = [v.decode() for k, v in compile_text(CLASSIFIER.replace(
        "  mode: test\n", "  loss: mse(probs, probs)\n  optimizer: sgd(lr=0.1)\n  steps: 5\n").replace(
        '  write: {probs: "records(path=\\"out.bin\\")"}\n', "")).files.items() if k.endswith(".sh")]
    assert "-test" not in trainer


def test_singa_test_job_reads_the_test_data_and_writes_records():
    j = job(CLASSIFIER)
    (data,) = [ly for ly in j.neuralnet.layer if ly.name == "data"]
    assert data.type == pb.kRecordInput and data.store_conf.path == "test.bin" and not data.include
    (rec,) = [ly for ly in j.neuralnet.layer if ly.type == pb.kRecordOutput]
    assert (rec.store_conf.backend, rec.store_conf.path) == ("kvfile", "out.bin")
    j2 = job(CLASSIFIER.replace('records(path=\\"out.bin\\")', 'records(path=\\"out\\", backend=\\"lmdb\\")'))
    (rec,) = [ly for ly in j2.neuralnet.layer if ly.type == pb.kRecordOutput]
    assert (rec.store_conf.backend, rec.store_conf.path) == ("lmdb", "out")


def test_singa_test_job_needs_the_checkpoint():
    text = SAMPLER.replace('  singa: {checkpoint_path: "ckpt/step100-worker0"}\n', "  singa: {}\n")
    d = one(errors(text), "E511")
    assert "checkpoint_path" in d.help and (d.span.line, d.span.col) == at(text, "test")


def test_singa_test_job_runs_on_the_cpu():
    text = SAMPLER.replace("  write:", "  distributed: {gpus: [0]}\n  write:")
    r = compile_text(text)
    j = text_format.Parse(next(v for k, v in r.files.items() if k.endswith(".conf")).decode(), pb.JobProto())
    assert not j.gpu and [ly.type for ly in j.neuralnet.layer if ly.type == pb.kSoftmax]
    w = [d for d in r.frontend.warnings if "Driver::Test" in d.message]
    assert len(w) == 1 and (w[0].span.line, w[0].span.col) == at(text, "[0]")


def test_singa_argmax_must_rank_one_dim():
    text = CLASSIFIER.replace("f32[N, 6]", "f32[N, 3, 6]").replace(
        "  probs: x |> linear(4) |> softmax\n", "  probs: softmax(x)\n  idx: argmax(probs, axis=1)\n").replace(
        "outputs: [probs]", "outputs: [probs, idx]")
    d = one(errors(text), "E501")
    line, col = at(text, "axis=1")
    assert "kArgSort" in d.message and (d.span.line, d.span.col) == (line, col + len("axis="))
    j = job(text.replace("argmax(probs, axis=1)", "argmax(probs, axis=2)").replace("f32[N, 3, 6]", "f32[N, 1, 6]"))
    assert [ly.type for ly in j.neuralnet.layer].count(pb.kArgSort) == 1


def test_singa_feedback_input_must_be_one_value_per_sample():
    text = SAMPLER.replace("i64[N, 1]", "i64[N, 2]").replace(
        '  write: {next: "text(vocab=\\"vocab.txt\\")", probs: "csv(path=\\"probs.csv\\")"}\n', "")
    assert text.count("write") == 0
    diags = errors(text)
    d = next(d for d in diags if "one value per sample" in d.message)
    assert d.code == "E510" and (d.span.line, d.span.col) == at(text, "{input")


# ---------------------------------------------------------------- other targets

@pytest.mark.parametrize("target", ["lbann", "pytorch"])
def test_other_training_targets_refuse_at_the_line(target):
    diags = errors(SAMPLER, target)
    got = {d.message.rsplit(".", 1)[1]: (d.span.line, d.span.col) for d in diags
           if d.code == "E510" and "cannot carry out train." in d.message}
    assert got == {"mode": at(SAMPLER, "test"), "feedback": at(SAMPLER, "{input"),
                   "write": at(SAMPLER, "{next")}


# ---------------------------------------------------------------- the language

def test_a_test_job_trains_nothing():
    text = SAMPLER.replace("  test_steps: 10\n", "  test_steps: 10\n  optimizer: sgd(lr=0.1)\n  steps: 5\n")
    diags = errors(text)
    msgs = {d.message: (d.span.line, d.span.col) for d in diags if d.code == "E402"}
    assert msgs == {"mode: test trains nothing, so `optimizer` has no use": at(text, "sgd"),
                    "mode: test trains nothing, so `steps` has no use": at(text, "5\n")}


def test_a_test_job_needs_its_steps():
    text = SAMPLER.replace("  test_steps: 10\n", "")
    d = one(errors(text), "E403")
    assert "test_steps" in d.message and (d.span.line, d.span.col) == at(text, "test")


def test_feedback_and_write_belong_to_a_test_job():
    text = SAMPLER.replace("  mode: test\n", "  loss: mse(probs, probs)\n  optimizer: sgd(lr=0.1)\n  steps: 5\n")
    diags = [d for d in errors(text) if d.code == "E402"]
    assert {(d.span.line, d.span.col) for d in diags} == {at(text, "{input"), at(text, "{next")}
    assert all("mode: test" in d.help for d in diags)


def test_feedback_names_an_input_and_an_output():
    text = SAMPLER.replace("input: char", "input: chars")
    d = one(errors(text), "E402")
    assert "`chars` is not an input" in d.message and "`char`" in d.help
    assert (d.span.line, d.span.col) == at(text, "chars")
    text = SAMPLER.replace("outputs: [next, probs]", "outputs: [probs]").replace(
        '  write: {next: "text(vocab=\\"vocab.txt\\")", ', "  write: {")
    d = one(errors(text), "E402")
    assert "`next`, which is not an output" in d.message and d.help == "add `next` to outputs"
    assert (d.span.line, d.span.col) == at(text, "next", 1)


def test_feedback_has_the_inputs_type():
    text = SAMPLER.replace("next: argmax(probs)", "next: argmax(probs, keepdims=true)")
    d = one(errors(text), "E201")
    assert "i64[N, 1, 1]" in d.message and "i64[N, 1]" in d.message
    assert (d.span.line, d.span.col) == at(text, "next, high")


def test_feedback_range_is_not_empty():
    text = SAMPLER.replace("high: 5", "low: 5, high: 5")
    d = one(errors(text), "E402")
    assert "[5, 5)" in d.message and (d.span.line, d.span.col) == at(text, "5}")


def test_text_writes_integer_indices():
    text = SAMPLER.replace('{next: "text(vocab=\\"vocab.txt\\")", probs: "csv(path=\\"probs.csv\\")"}',
                           '{probs: "text(vocab=\\"vocab.txt\\")"}')
    d = one(errors(text), "E402")
    assert "one character index per sample" in d.message and "f32[N, 1, 5]" in d.message
    assert (d.span.line, d.span.col) == at(text, "text(")


def test_an_unknown_writer_is_named():
    text = SAMPLER.replace('csv(path=\\"probs.csv\\")', 'cvs(path=\\"probs.csv\\")')
    d = one(errors(text), "E401")
    assert "`cvs`" in d.message and "`csv`" in d.help
