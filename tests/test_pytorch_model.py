"""The PyTorch target's model.py: every sample and every op case runs in PyTorch as in onnxruntime.

Same weights (one .npz, given to both targets as --weights); the module's forward in eval
mode against the ONNX model in onnxruntime, within 1e-5 relative (torch_ref.close's rule
with rtol = atol = 1e-5). state_dict keys must be exactly the .npz names.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch_ref
from onnx_harness import (
    SAMPLES,
    SHRINK,
    compile_random,
    model_text,
    sample_id,
    session,
    skip_if_unavailable,
    write_files,
    write_model,
)
from pytorch_harness import load_module, write_project
from test_onnx_numerics import CASES, OPS_21

from nncc.diagnostics import CompileError
from nncc.driver import frontend

RTOL = ATOL = 1e-5


def forward_matches_onnx(path: str, tmp_path, defines=None, options=None, batch: int = 2) -> None:
    onnx_dir, pt_dir = tmp_path / "onnx", tmp_path / "pt"
    onnx_dir.mkdir()
    try:
        res, arrays = compile_random(path, onnx_dir, defines=defines, options=options)
    except CompileError as e:
        skip_if_unavailable(e)  # rbm: no ONNX form; test_rbm_forward checks it against its formula
        raise
    onnx_path = write_files(res, onnx_dir)
    npz = str(onnx_dir / (res.frontend.model.name + ".npz"))
    torch_ref.save_npz(npz, arrays)
    write_project(path, pt_dir, defines=defines, weights=npz if arrays else None)
    mod = load_module(pt_dir, "model")
    model = mod.Model()
    state = set(model.state_dict())
    assert state == set(arrays), (sorted(state ^ set(arrays)))
    mod.load_weights(model, str(pt_dir / "init.npz"))
    model.eval()
    g = frontend(path, defines).graph
    feeds = torch_ref.random_inputs(g, batch)
    sess = session(onnx_path)
    names = [o.name for o in sess.get_outputs()]
    in_names = {i.name for i in sess.get_inputs()}
    got = dict(zip(names, sess.run(None, {k: v for k, v in feeds.items() if k in in_names})))
    with torch.no_grad():
        out = model(*[torch.from_numpy(feeds[name]) for name in mod.INPUTS])
    bad = []
    for k, ref in got.items():
        ok, msg = torch_ref.close(out[k].numpy(), ref, RTOL, ATOL)
        if not ok:
            bad.append(f"{k}: {msg}")
    assert not bad, "PyTorch differs from onnxruntime:\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("path", SAMPLES, ids=sample_id)
def test_sample_forward_matches_onnx(path, tmp_path):
    forward_matches_onnx(path, tmp_path, defines=SHRINK.get(sample_id(path)))


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_op_forward_matches_onnx(case, tmp_path):
    inputs, graph, outputs, *opts = CASES[case]
    path = write_model(tmp_path, model_text(inputs, graph, outputs))
    forward_matches_onnx(path, tmp_path, options=opts[0] if opts else None)


@pytest.mark.parametrize("case", list(OPS_21), ids=list(OPS_21))
def test_issue21_op_forward_matches_torch_reference(case, tmp_path):
    """The ops of issue 21 in model.py against the torch reference itself (tests/torch_ref.py), within 1e-5."""
    inputs, graph, outputs, *_ = OPS_21[case]
    path = write_model(tmp_path, model_text(inputs, graph, outputs))
    g = frontend(path).graph
    arrays = torch_ref.random_weights(g)
    npz = str(tmp_path / "w.npz")
    torch_ref.save_npz(npz, arrays)
    write_project(path, tmp_path / "pt", weights=npz if arrays else None)
    mod = load_module(tmp_path / "pt", "model")
    model = mod.Model()
    mod.load_weights(model, str(tmp_path / "pt" / "init.npz"))
    model.eval()
    feeds = torch_ref.random_inputs(g, 2)
    ref = torch_ref.run(g, feeds, arrays or None)
    with torch.no_grad():
        out = model(*[torch.from_numpy(feeds[name]) for name in mod.INPUTS])
    bad = [f"{k}: {msg}" for k in ref for ok, msg in [torch_ref.close(out[k].numpy(), ref[k], RTOL, ATOL)] if not ok]
    assert not bad, "PyTorch differs from the torch reference:\n  " + "\n  ".join(bad)


def test_every_op_of_the_language_lowers():
    from nncc.ops import REGISTRY
    from nncc.targets.pytorch import TARGET

    assert TARGET.lowering is not None
    language = {name for name, o in REGISTRY.items() if o.origin == "nncc"} - {"reorder"}  # reorder: layout passes
    assert sorted(language - set(TARGET.lowering)) == []
    for op in TARGET.lowering:
        assert TARGET.lowering.get_rule(op) is not None, op


def test_project_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write_project(str(torch_ref.__file__).replace("tests/torch_ref.py", "samples/resnet20.yaml"), a, seed=3)
    write_project(str(torch_ref.__file__).replace("tests/torch_ref.py", "samples/resnet20.yaml"), b, seed=3)
    for f in sorted(a.iterdir()):
        assert f.read_bytes() == (b / f.name).read_bytes(), f.name
    assert np.load(a / "init.npz")["stem/conv2d.weight"].std() > 0


def test_rbm_forward(tmp_path):
    """rbm has no ONNX form: its value is sigmoid(x·Wᵀ + hb) (linear when gaussian)."""
    for gaussian in ("false", "true"):
        path = write_model(tmp_path, model_text({"x": "f32[N, 6]"}, f"h: rbm(x, 4, gaussian={gaussian})", ["h"]))
        arrays = torch_ref.random_weights(frontend(path).graph)
        npz = str(tmp_path / "w.npz")
        torch_ref.save_npz(npz, arrays)
        out_dir = tmp_path / gaussian
        write_project(path, out_dir, weights=npz)
        mod = load_module(out_dir, "model")
        model = mod.Model()
        mod.load_weights(model, str(out_dir / "init.npz"))
        x = np.random.default_rng(0).standard_normal((3, 6)).astype(np.float32)
        pre = x @ arrays["h.weight"].T + arrays["h.hbias"]
        want = pre if gaussian == "true" else 1 / (1 + np.exp(-pre))
        with torch.no_grad():
            got = model(torch.from_numpy(x))["h"].numpy()
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6)
