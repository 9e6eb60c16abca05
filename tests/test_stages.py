"""`train.stages`: checked at the character (E4xx), one rate definition, E510 on LBANN and SINGA, summary."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from nncc import training
from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend
from nncc.summary import train_text

MODEL = """\
nncc: 1
model: staged
inputs:
  x: f32[N, 8]
  y: i64[N]
graph:
  body: linear(x, 16) |> relu
  head: linear(body, 3)
outputs: [head]
train:
  loss: cross_entropy(head, y)
  optimizer: sgd(lr=0.1, momentum=0.9)
  batch_size: 8
  dataset_size: 64
  STAGES
"""
TWO = """stages:
    - {name: warm, epochs: 2, freeze: [body/*], optimizer: "adam(lr=0.001)"}
    - {name: all, epochs: 3, schedule: cosine()}"""


def write(tmp_path: Path, stages: str, model: str = MODEL) -> str:
    p = tmp_path / "m.yaml"
    p.write_text(model.replace("STAGES", stages))
    return str(p)


def errors(tmp_path: Path, stages: str, target: str | None = None, **kw) -> list:
    path = write(tmp_path, stages, **kw)
    with pytest.raises(CompileError) as e:
        frontend(path) if target is None else compile_model(path, target)
    return [d for d in e.value.diagnostics if d.is_error]


def at(d) -> tuple[str, int, int]:
    return d.code, d.span.line, d.span.col


LINE = MODEL.splitlines().index("  STAGES") + 1  # `stages:`; its first entry is on the next line


def test_stages_inherit_the_section_and_add_up_to_the_length(tmp_path):
    t = frontend(write(tmp_path, TWO)).train
    warm, rest = t.stages
    assert (warm.name, warm.epochs, warm.optimizer.name, warm.optimizer["lr"], warm.schedule) == \
        ("warm", 2, "adam", 0.001, None)
    assert (rest.name, rest.optimizer.name, rest.optimizer["lr"], rest.schedule.name) == ("all", "sgd", 0.1, "cosine")
    assert warm.frozen == ["body.weight", "body.bias"] and rest.frozen == []
    assert t.epochs == 5  # the stages' sum
    text = train_text(t)
    assert "stage warm: 2 epochs; adam(" in text and "frozen: 2 weights (body/*)" in text
    assert "stage all: 3 epochs; sgd(" in text and "cosine(" in text


def test_the_rate_of_each_stage_counts_from_its_start(tmp_path):
    """8 steps per epoch: warm is steps 0-15 at adam's 0.001; all is steps 16-39, cosine from 0.1 over 24 steps."""
    rate = training.schedule(frontend(write(tmp_path, TWO)).train)
    assert rate(0) == rate(15) == 0.001
    assert rate(16) == 0.1
    assert math.isclose(rate(16 + 12), 0.05, rel_tol=1e-12)
    assert math.isclose(rate(39), 0.1 * 0.5 * (1 + math.cos(math.pi * 23 / 24)), rel_tol=1e-12)


def test_a_layer_name_or_a_weight_name_freezes(tmp_path):
    t = frontend(write(tmp_path, "stages:\n    - {epochs: 1, freeze: [head, body.bias]}\n"
                                 "    - {epochs: 1, freeze: [body]}")).train
    assert t.stages[0].frozen == ["body.bias", "head.weight", "head.bias"]
    assert t.stages[1].frozen == ["body.weight", "body.bias"]  # a line holds its layers
    assert [st.name for st in t.stages] == ["stage1", "stage2"]


CASES = [  # (stages, code, line offset from `stages:`, column, words in the message)
    ("stages: {epochs: 2}", "E011", 0, 11, ["list of stages"]),
    ("stages:\n    - cosine()", "E011", 1, 7, ["a stage is a mapping"]),
    ("stages:\n    - {freeze: [body]}\n    - {epochs: 1}", "E403", 1, 7, ["stage `stage1` needs its length"]),
    ("stages:\n    - {epochs: 1, steps: 8}", "E402", 1, 26, ["not both"]),
    ("stages:\n    - {epochs: 1}\n    - {steps: 8}", "E402", 2, 15, ["counts steps", "one unit"]),
    ("stages:\n    - {epochs: 1, freeze: [body, hed]}\n    - {epochs: 1}", "E402", 1, 34,
     ["freeze `hed` matches no trainable weight"]),
    ("stages:\n    - {epochs: 1, freeze: [\"*\"]}\n    - {epochs: 1}", "E402", 1, 27, ["freezes every trainable weight"]),
    ("stages:\n    - {epochs: 1, freeze: [1]}", "E402", 1, 28, ["weight names or globs"]),
    ("stages:\n    - {epochs: 1, optimizer: sdg(lr=1)}", "E401", 1, 30, ["unknown optimizer `sdg`"]),
    ("stages:\n    - {name: a, epochs: 1}\n    - {name: a, epochs: 1}", "E402", 2, 14, ["two stages are named `a`"]),
    ("stages:\n    - {epochs: 0}", "E402", 1, 16, ["must be positive"]),
    ("stages:\n    - {epochs: 1, freez: [body]}", "E015", 1, 19, ["unknown key `freez`"]),
]


@pytest.mark.parametrize("stages, code, line, col, words", CASES, ids=[c[1] + "-" + c[4][0] if c[4] else c[1]
                                                                     for c in CASES])
def test_diagnostics_at_line_and_column(tmp_path, stages, code, line, col, words):
    errs = errors(tmp_path, stages)
    assert len(errs) == 1, [f"{d.code} {d.span}: {d.message}" for d in errs]
    assert at(errs[0]) == (code, LINE + line, col), (str(errs[0].span), errs[0].message)
    for w in words:
        assert w in errs[0].message, errs[0].message


def test_a_stages_warmup_is_shorter_than_the_stage(tmp_path):
    stages = "stages:\n    - epochs: 2\n      schedule:\n        - warmup(epochs=2)\n        - cosine()"
    errs = errors(tmp_path, stages)
    assert [at(d) for d in errs] == [("E402", LINE + 3, 18)]
    assert "not shorter than stage `stage1` (2 epochs)" in errs[0].message
    inherited = MODEL.replace("  STAGES", "  schedule: [warmup(epochs=3), cosine()]\n  STAGES")
    errs = errors(tmp_path, "stages:\n    - {epochs: 4}\n    - {epochs: 3}", model=inherited)
    assert [at(d) for d in errs] == [("E402", LINE, 21)]  # the section's warm-up, too long for the second stage
    assert "stage `stage2` (3 epochs)" in errs[0].message


def test_the_length_agrees_with_the_stages(tmp_path):
    errs = errors(tmp_path, TWO, model=MODEL.replace("  STAGES", "  epochs: 4\n  STAGES"))
    assert [at(d) for d in errs] == [("E402", LINE, 11)] and "add up to 5 epochs" in errs[0].message
    errs = errors(tmp_path, TWO, model=MODEL.replace("  STAGES", "  steps: 40\n  STAGES"))
    assert "train.steps is given but the stages count epochs" in errs[0].message
    assert frontend(write(tmp_path, TWO, model=MODEL.replace("  STAGES", "  epochs: 5\n  STAGES"))).train.epochs == 5


def test_a_stage_needs_an_optimizer_when_the_section_has_none(tmp_path):
    model = MODEL.replace("  optimizer: sgd(lr=0.1, momentum=0.9)\n", "")
    errs = errors(tmp_path, "stages:\n    - {epochs: 1, optimizer: adam()}\n    - {epochs: 1}", model=model)
    assert [at(d) for d in errs] == [("E403", LINE + 1, 7)]  # a line less: no optimizer and "stage `stage2` needs an `optimizer`" in errs[0].message
    assert frontend(write(tmp_path, "stages:\n    - {epochs: 1, optimizer: adam()}", model=model)).train.stages


@pytest.mark.parametrize("target", ["lbann", "singa"])
def test_lbann_and_singa_cannot_switch_stages(tmp_path, target):
    model = MODEL.replace("dataset_size: 64", "dataset_size: 64\n  data: {train: {format: mnist, path: d}}")
    errs = errors(tmp_path, TWO, target=target, model=model.replace("f32[N, 8]", "f32[N, 1, 28, 28]")
                  .replace("linear(x, 16)", "flatten(x) |> linear(16)"))
    assert any(d.code == "E510" and "train.stages" in d.message and (d.span.line, d.span.col) == (LINE + 2, 5)  # the list, below one more line
               for d in errs), [f"{d.code} {d.span}: {d.message}" for d in errs]
