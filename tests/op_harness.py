"""Per-op checks shared by the op tests: a surface-syntax model against torch on both the ONNX and the
PyTorch target, and a shape error reported at the right character."""
from __future__ import annotations

from pathlib import Path

import pytest
from onnx_harness import assert_match, model_text, onnx_vs_torch, write_model

from nncc.diagnostics import CompileError
from nncc.driver import compile_model

TOL = 1e-5  # relative (and absolute, on the output's scale: torch_ref.close)


def both_targets(tmp_path: Path, inputs: dict[str, str], graph: str, outputs: list[str], batch: int = 2) -> None:
    """onnxruntime against the torch reference, then the PyTorch project's forward against onnxruntime."""
    from test_pytorch_model import forward_matches_onnx

    path = write_model(tmp_path, model_text(inputs, graph, outputs))
    (tmp_path / "ort").mkdir()
    assert_match(onnx_vs_torch(path, tmp_path / "ort", batch=batch), rtol=TOL, atol=TOL)
    forward_matches_onnx(path, tmp_path, batch=batch)


def error_at(tmp_path: Path, inputs: dict[str, str], line: str, caret: str, fragment: str,
             code: str = "E201", target: str = "onnx") -> None:
    """Compiling `line` fails with `code`, a message holding `fragment`, at the first `caret` of the line."""
    text = model_text(inputs, line, [line.split(":")[0].strip()])
    path = write_model(tmp_path, text)
    with pytest.raises(CompileError) as e:
        compile_model(path, target)
    found = [d for d in e.value.diagnostics if fragment in d.message]
    assert found, [d.message for d in e.value.diagnostics]
    d = found[0]
    assert d.code == code, (d.code, d.message)
    row = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip() == line.strip())
    col = text.splitlines()[row - 1].index(caret) + 1
    assert (d.span.line, d.span.col) == (row, col), (d.message, d.span, caret)


TRAIN = """nncc: 1
model: m
inputs: {INPUTS, y: "i64[N]"}
graph:
  c: LINE
  o: c |> flatten |> linear(3)
outputs: [o]
train:
  loss: cross_entropy(o, y)
  optimizer: sgd(lr=0.1)
  batch_size: 4
  epochs: 1
  data: {train: {format: npz, path: d.npz}}
"""


def train_model(x: str, line: str) -> str:
    """A trainable model whose line 5 is `c: <line>` over an input `x` of type `x`."""
    return TRAIN.replace("INPUTS", f'x: "{x}"').replace("LINE", line)


def refused(tmp_path: Path, target: str, x: str, line: str, caret: str | None = None, fragment: str = "") -> None:
    """`target` answers E501 (holding `fragment`) at line 5, at the first `caret` there when given."""
    text = train_model(x, line)
    with pytest.raises(CompileError) as e:
        compile_model(write_model(tmp_path, text), target)
    d = next((d for d in e.value.diagnostics if d.code == "E501" and fragment in d.message), None)
    assert d is not None and d.span is not None, [(d.code, d.message) for d in e.value.diagnostics]
    assert d.span.line == 5, d
    if caret is not None:
        assert d.span.col == text.splitlines()[4].index(caret) + 1, (d, caret)
