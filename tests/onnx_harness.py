"""Compile a model to ONNX with random weights, run it in onnxruntime and in the torch reference.

Shared by tests/test_onnx_numerics.py and tests/test_onnx_target.py.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch_ref

from nncc import target as targets_mod
from nncc.diagnostics import CompileError
from nncc.driver import Result, compile_model, frontend

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(glob.glob(str(ROOT / "samples" / "*.yaml")))

# Samples that are large at their real size are compiled smaller (every layer is
# still there; only the spatial size, and so the classifier's input, shrinks).
SHRINK = {"vgg16": {"size": "32"}, "resnet50": {"size": "64"}, "mobilenet_v2": {"size": "64"}}


def sample_id(path: str) -> str:
    return Path(path).stem


def write_model(tmp_path: Path, text: str, name: str = "m") -> str:
    p = tmp_path / f"{name}.yaml"
    p.write_text(text)
    return str(p)


def where(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the `nth` occurrence of `needle` in `text`: where a caret must point."""
    idx = -1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    return text.count("\n", 0, idx) + 1, idx - (text.rfind("\n", 0, idx) + 1) + 1


def model_text(inputs: dict[str, str], graph: str, outputs: list[str], name: str = "t") -> str:
    ins = "\n".join(f"  {k}: {v}" for k, v in inputs.items())
    lines = "\n".join(f"  {ln.strip()}" for ln in graph.strip().splitlines() if ln.strip())
    return f"nncc: 1\nmodel: {name}\ninputs:\n{ins}\ngraph:\n{lines}\noutputs: [{', '.join(outputs)}]\n"


def skip_if_unavailable(e: CompileError) -> None:
    """Skip (not fail) when a sample can't compile to ONNX for a reason outside the ONNX target.

    * E501: the sample uses target-specific ops that ONNX does not have.
    * E502 naming a built-in target that is not installed yet in this checkout
      (the `targets:` section names it; that is an error by design).
    """
    codes = {d.code for d in e.diagnostics}
    if "E501" in codes:
        pytest.skip("uses ops the ONNX target does not support: " + "; ".join(d.message for d in e.diagnostics))
    missing = [d for d in e.diagnostics if d.code == "E502" and "unknown target" in d.message
               and any(f"`{b}`" in d.message for b in targets_mod.BUILTIN if targets_mod.get(b) is None)]
    if missing and len(missing) == len(e.diagnostics):
        pytest.skip("names a built-in target not available in this checkout: " + missing[0].message)


@dataclass
class Run:
    result: Result
    onnx_path: str
    arrays: dict[str, np.ndarray]
    feeds: dict[str, np.ndarray]
    got: dict[str, np.ndarray]
    ref: dict[str, np.ndarray]


def session(path_or_bytes, threads: int = 1) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path_or_bytes, so, providers=["CPUExecutionProvider"])


def compile_random(path: str, out_dir: Path, *, defines: dict[str, str] | None = None,
                   options: dict[str, str] | None = None, seed: int = 0) -> tuple[Result, dict[str, np.ndarray]]:
    """Compile with `--weights` from an .npz of random, non-trivial values (written to out_dir).

    The file holds the model's own weights, by the names the user's layers give them (what the
    front end makes), not those of the target's pipeline (fusion derives new ones from them).
    """
    arrays = torch_ref.random_weights(frontend(path, defines).graph, seed)
    npz = None
    if arrays:
        npz = str(out_dir / (Path(path).stem + ".weights.npz"))
        torch_ref.save_npz(npz, arrays)
    res = compile_model(path, "onnx", defines=defines, options=options, weights=npz)
    return res, arrays


def write_files(res: Result, out_dir: Path) -> str:
    """Write the compiled files; return the .onnx path."""
    main = None
    for name, data in res.files.items():
        p = out_dir / name
        p.write_bytes(data)
        if name.endswith(".onnx"):
            main = str(p)
    assert main is not None, list(res.files)
    return main


def onnx_vs_torch(path: str, out_dir: Path, *, defines: dict[str, str] | None = None,
                  options: dict[str, str] | None = None, batch: int = 2, dims: dict[str, int] | None = None,
                  high: dict[str, int] | None = None, feeds: dict[str, np.ndarray] | None = None) -> Run:
    """Compile `path` to ONNX with random weights; run onnxruntime and the torch reference on random inputs.

    The reference runs the graph as the front end leaves it (before the ONNX target's
    own passes), with the same weight values, read from the same .npz.
    """
    res, arrays = compile_random(path, out_dir, defines=defines, options=options)
    onnx_path = write_files(res, out_dir)
    ref_graph = frontend(path, defines).graph
    if feeds is None:
        feeds = torch_ref.random_inputs(ref_graph, batch, dims=dims, high=high)
    sess = session(onnx_path)
    names = [o.name for o in sess.get_outputs()]
    in_names = {i.name for i in sess.get_inputs()}
    got = dict(zip(names, sess.run(None, {k: v for k, v in feeds.items() if k in in_names})))
    ref = torch_ref.run(ref_graph, feeds, arrays if arrays else None)
    if not arrays:
        assert not ref_graph.weights()
    return Run(res, onnx_path, arrays, feeds, got, ref)


def assert_match(run: Run, rtol: float = torch_ref.RTOL, atol: float = torch_ref.ATOL) -> None:
    assert set(run.got) == set(run.ref), (sorted(run.got), sorted(run.ref))
    bad = []
    for k in run.ref:
        ok, msg = torch_ref.close(run.got[k], run.ref[k], rtol, atol)
        if not ok:
            bad.append(f"{k}: {msg}")
    assert not bad, "onnxruntime differs from the torch reference:\n  " + "\n  ".join(bad)


def exists(p: str) -> bool:
    return os.path.exists(p)
