"""Character corpora (`format: text`) on LBANN: cut into windows by the module nncc writes for LBANN's
Python data reader (targets/lbann/pyreader.py, templates/lbann_reader.py.j2), exactly as nncc defines
the format: a character's index is its place in the vocabulary file (else in the corpus's characters,
sorted), characters outside it left out, window k = indices k*T .. k*T+T-1 labelled with the next one.
The same corpus through the PyTorch project's data.py gives the same samples."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from nncc.targets.lbann import rules
from test_lbann import compile_text, diags, kind, line_of, parse
from test_lbann_records import load
from test_pytorch_data import data_module

MODEL = """\
nncc: 1
model: m
inputs:
  chars: i64[N, 3]
  next: i64[N]
graph:
  h: embedding(chars, 4, 2) |> lstm(5, return_sequences=false)
  logits: linear(h, 4)
outputs: [logits]
train:
  loss: cross_entropy(logits, next)
  optimizer: sgd(lr=0.1)
  batch_size: 2
  epochs: 1
  test_steps: 1
  algorithm: bptt
  data:
    train: {{format: text, path: {corpus}{vocab}}}
    test: {{format: text, path: {corpus}, labels: {vocab_path}, shuffle: false}}
"""
CORPUS = "dab?cadbbacd!a"  # '?' and '!' are not in the vocabulary: left out before the windows are cut
VOCAB = "dcba"  # not sorted: d=0, c=1, b=2, a=3


def written(tmp_path: Path, vocab: bool = True) -> tuple[dict[str, bytes], object, str]:
    (tmp_path / "corpus.txt").write_text(CORPUS)
    (tmp_path / "vocab.txt").write_text(VOCAB)
    text = MODEL.format(corpus=tmp_path / "corpus.txt", vocab_path=tmp_path / "vocab.txt",
                        vocab=f", labels: {tmp_path / 'vocab.txt'}" if vocab else "")
    files = compile_text(tmp_path, text)
    (tmp_path / "m_data.py").write_bytes(files["m_data.py"])
    return files, load(tmp_path / "m_data.py", f"m_data_text_{vocab}"), text


def test_the_windows_and_labels_are_nnccs(tmp_path):
    files, mod, _ = written(tmp_path)
    # "dabcadbbacda" as places in "dcba": 0 3 2 1 3 0 2 2 3 1 0 3; windows of 3 start at 0, 3, 6 (9 has no next)
    assert mod.train_num_samples() == 3 and mod.train_sample_dims() == (4,)
    want = [[0, 3, 2, 1], [1, 3, 0, 2], [2, 2, 3, 1]]
    for i, w in enumerate(want):
        got = mod.train_sample(i)
        assert got.dtype == np.float32 and got.tolist() == w
    assert mod.test_num_samples() == 2 and mod.test_sample(1).tolist() == want[1]  # test_steps 1 x batch 2
    exp = parse(files["m.prototext"])
    assert rules.check(exp) == []
    assert [(r.role, r.name, r.python.module) for r in exp.data_reader.reader] == [
        ("train", "python", "m_data"), ("test", "python", "m_data")]
    by = {lay.name: lay for lay in exp.model.layer}
    assert list(by["samples_slice"].slice.slice_points) == [0, 3, 4]
    assert kind(by["next"]) == "one_hot" and by["next"].one_hot.size == 4  # the label index, one-hot
    assert list(by["chars"].reshape.dims) == [3] and kind(by["h_x0"]) == "identity"


def test_without_a_vocabulary_file_the_corpus_characters_sorted(tmp_path):
    _, mod, _ = written(tmp_path, vocab=False)
    # "?" and "!" are characters of the corpus now: ! ? a b c d = 0 .. 5
    ids = [sorted(set(CORPUS)).index(c) for c in CORPUS]
    n = len(range(0, len(ids) - 3, 3))
    assert mod.train_num_samples() == n == 4
    for i in range(n):
        assert mod.train_sample(i).tolist() == ids[3 * i: 3 * i + 4]


@pytest.mark.parametrize("vocab", [True, False])
def test_the_pytorch_project_reads_the_same_samples(tmp_path, vocab):
    _, mod, _ = written(tmp_path, vocab)
    spec = f"{{format: text, path: {tmp_path / 'corpus.txt'}" + (f", labels: {tmp_path / 'vocab.txt'}}}" if vocab
                                                                  else "}")
    (tmp_path / "pt").mkdir()
    torch_data = data_module(tmp_path / "pt", "i64[N, 3]", spec, graph="embedding(x, 6, 2) |> flatten |> linear(6)")
    got = torch_data.read("train")
    assert mod.train_num_samples() == len(got["y"])
    for i in range(len(got["y"])):
        assert mod.train_sample(i).tolist() == [*got["x"][i].tolist(), int(got["y"][i])]


def test_a_vocabulary_that_repeats_a_character_is_refused(tmp_path):
    _, mod, _ = written(tmp_path)
    (tmp_path / "vocab.txt").write_text("dcbad")
    with pytest.raises(ValueError, match="twice"):
        load(tmp_path / "m_data.py", "m_data_twice").train_num_samples()


def test_the_module_is_deterministic(tmp_path):
    files, _, text = written(tmp_path)
    assert compile_text(tmp_path, text) == files


@pytest.mark.parametrize("change, marker, words", [
    (("chars: i64[N, 3]", "chars: i64[N, 3, 1]"), "format: text, path", ["[N, T]", "[3, 1]"]),
    (("{format: text, path: ", "{format: text, backend: kvfile, path: "), "backend", ["backend", "plain file"]),
    (("shuffle: false}", "shuffle: false, transforms: [scale(2)]}"), "scale(2)", ["scale", "indices"]),
])
def test_what_a_text_corpus_cannot_say_is_e510_at_its_line(tmp_path, change, marker, words):
    text = MODEL.format(corpus="c.txt", vocab_path="v.txt", vocab="").replace(*change)
    text = text.replace("h: embedding(chars, 4, 2)", "h: embedding(flatten(chars), 4, 2)")
    d = [d for d in diags(tmp_path, text) if d.is_error][0]  # the first role's; its sample shape is the test's too
    assert d.code == "E510" and d.span.line == line_of(text, marker), d
    for w in words:
        assert w in d.message, d.message
