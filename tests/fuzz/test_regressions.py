"""Inputs the fuzzers found (see README.md), kept as plain tests: each gives its diagnostic now."""
from __future__ import annotations

import pytest

from nncc.diagnostics import CompileError
from nncc.driver import compile_model


def model(graph: str, inputs: str = "f32[N, 4, 8, 8]", params: str = "  p: 1\n", blocks: str = "") -> str:
    return (f"nncc: 1\nmodel: r\nparams:\n{params}inputs:\n  x: \"{inputs}\"\n{blocks}graph:\n"
            f"  y: {graph}\noutputs: [y]\n")


CASES = [
    # (id, text, expected code or None for "compiles")
    ("list-slice-float-bound", model("relu(x)", params="  p: '\"same\"[:0.5]'\n"), "E305"),
    ("attr-outside-int64", model("conv2d(x, 3, 3, stride=10**30)"), "E202"),
    ("slice-huge-step", model("x[:, :, -10**30:10**30:10**20]"), None),
    ("dropout-int", model("dropout(x, p=0.0)", inputs="i64[N]"), "E203"),
    ("lrn-beta-zero", model("lrn(x, beta=0.0)"), "E202"),
    ("block-called-from-params", model("relu(x)", params="  ch: 8\n  p0: ch |> repeat(1, blk)\n",
                                       blocks="blocks:\n  blk(x, c=ch):\n    return: x\n"), None),
    ("pad-reflect-too-short", model('"pad(x, [0, 0, 0, 0, 0, 0, 0, 8], mode=\\"reflect\\")"'), "E202"),
    ("int-power-bomb", model("linear(x, p)", params="  p: ((10 ** 1000) ** 1000) ** 1000\n"), "E310"),
    ("range-bomb", model("relu(x)", params="  p: len(range(10 ** 8))\n"), "E005"),
    ("flatten-int64-overflow", model("flatten(x)", inputs="f32[4294967296, 4294967296, 4294967296]"), "E005"),
    ("power-chain", model("linear(x, " + "**".join(["1"] * 5000) + ")"), "E105"),
    ("deep-flow-yaml", "doc: " + "[" * 100_000 + "]" * 100_000 + "\n", "E005"),
]


@pytest.mark.parametrize("text,code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_found_by_fuzzing(text, code):
    try:
        compile_model("r.yaml", "onnx", data=text.encode())
    except CompileError as e:
        assert code is not None, e.diagnostics
        assert code in [d.code for d in e.diagnostics], e.diagnostics
    else:
        assert code is None


@pytest.mark.parametrize("groups", ["0", "-1"])
def test_conv_transpose_groups(groups):
    text = model(f"conv_transpose2d(x, 4, 1, groups={groups})")
    with pytest.raises(CompileError) as ei:
        compile_model("r.yaml", "onnx", data=text.encode())
    assert [d.code for d in ei.value.diagnostics] == ["E202"]


# ------------------------------------------------------------------ found by test_targets.py

TRAIN = ("train:\n  loss: cross_entropy(logits, label)\n  optimizer: sgd(lr=0.1)\n  batch_size: 1\n  epochs: 1\n"
         "  data:\n    train:\n      format: {fmt}\n      path: d\n{more}")


def target_model(graph: str, inputs: str = "f32[N, 4]", fmt: str = "npz", more: str = "") -> str:
    return (f"nncc: 1\nmodel: r\ninputs:\n  x: \"{inputs}\"\n  label: i64[N]\ngraph:\n{graph}outputs: [logits]\n"
            + TRAIN.format(fmt=fmt, more=more))


TARGET_CASES = [
    # (id, target, text, expected code or None for "compiles")
    ("lbann-crop-size-negative", "lbann",
     target_model("  logits: x |> flatten |> linear(2)\n", "f32[N, 1, 28, 28]", fmt="mnist",
                  more="      transforms:\n      - center_crop(size=[-1])\n"),
     "E510"),
    ("lbann-resize-size-zero", "lbann",
     target_model("  logits: x |> flatten |> linear(2)\n", "f32[N, 3, 32, 32]", fmt="cifar10",
                  more="      transforms:\n      - resize(size=[0, 4])\n      - scale(1.0 / 255)\n"),
     "E510"),
    # the long run (seed 2, input 21363): random_resized_crop's size was not checked as the others' were
    ("lbann-random-resized-crop-size-negative", "lbann",
     target_model("  logits: x |> flatten |> linear(2)\n", "f32[N, 3, 32, 32]", fmt="cifar10",
                  more="      transforms:\n      - random_resized_crop(size=[0, -1, 28])\n      - scale(1.0 / 255)\n"),
     "E510"),
    ("lbann-random-resized-crop-compiles", "lbann",
     target_model("  logits: x |> flatten |> linear(2)\n", "f32[N, 3, 32, 32]", fmt="cifar10",
                  more="      transforms:\n      - random_resized_crop(size=[24, 20])\n      - scale(1.0 / 255)\n"),
     None),
    ("smaug-batch-beyond-int32", "smaug",
     'nncc: 1\nmodel: r\ninputs:\n  x: f32[N, 1, 1, 1, 1]\ngraph:\n  out: add(x, x)\n  logits: out |> flatten |> linear(1)\n'
     'outputs: [logits]\ntargets:\n  smaug: {batch: 2147483648}\n', "E502"),
    ("smaug-dim-beyond-int32", "smaug", target_model("  logits: x |> relu\n", "f32[N, 3000000000]"), "E501"),
    ("smaug-stride-beyond-int32", "smaug",
     target_model("  logits: max_pool2d(x, 1, stride=3000000000) |> flatten |> linear(2)\n", "f32[N, 4, 8, 8]"), "E501"),
    # SINGA's job counts in int32 fields: each number beyond them is E510 at its line (E501 in an op)
    ("singa-steps-beyond-int32", "singa", target_model("  logits: linear(x, 2)\n", fmt="record").replace(
        "epochs: 1", "steps: 3000000000"), "E510"),
    ("singa-epochs-in-steps-beyond-int32", "singa", target_model("  logits: linear(x, 2)\n", fmt="record").replace(
        "epochs: 1", "epochs: 3000000").replace("path: d", "path: d\n      samples: 1000"), "E510"),
    ("singa-batch-beyond-int32", "singa", target_model("  logits: linear(x, 2)\n", fmt="record").replace(
        "epochs: 1", "steps: 1").replace("batch_size: 1", "batch_size: 2147483648"), "E510"),
    ("singa-checkpoint-after-unknown-epochs", "singa", target_model("  logits: linear(x, 2)\n", fmt="record").replace(
        "epochs: 1", "steps: 1\n  checkpoint: checkpoint(after=2147483648)"), "E511"),
    ("singa-linear-every-beyond-int32", "singa", target_model("  logits: linear(x, 2)\n", fmt="record").replace(
        "epochs: 1", "steps: 1\n  schedule: linear(final_lr=0.1, every=2147483648)"), "E510"),
    ("singa-stride-beyond-int32", "singa", target_model("  logits: conv2d(x, 2, 1, stride=3000000000) |> flatten |> "
                                                        "linear(2)\n", "f32[N, 4, 8, 8]", fmt="record"), "E501"),
    # LBANN's are int64: a train setting beyond that is E402 in the front end, for every target
    ("lbann-epochs-beyond-int64", "lbann", target_model("  logits: linear(x, 2)\n").replace("epochs: 1", "epochs: 10**19"),
     "E402"),
    ("lbann-print-every-beyond-int64", "lbann", target_model("  logits: linear(x, 2)\n", more="  callbacks: "
                                                             "[print(every=2**64)]\n"), "E402"),
    ("singa-lrn-size-beyond-int32", "singa", target_model("  logits: lrn(x, size=3000000001) |> flatten |> linear(2)\n",
                                                          "f32[N, 4, 8, 8]", fmt="record"), "E501"),
]


@pytest.mark.parametrize("target,text,code", [c[1:] for c in TARGET_CASES], ids=[c[0] for c in TARGET_CASES])
def test_found_by_fuzzing_targets(target, text, code):
    try:
        compile_model("r.yaml", target, data=text.encode())
    except CompileError as e:
        assert code is not None, e.diagnostics
        assert code in [d.code for d in e.diagnostics], e.diagnostics
    else:
        assert code is None


def test_reflect_pad_of_a_symbolic_dim_runs_for_the_sizes_it_accepts():
    """Open finding of the hostile-options run: `pad(x, [0, 3], mode="reflect")` of f32[N] compiles (N
    stands for any size the model accepts) and onnxruntime refused it for N = 3 only: the harness now
    also tries a size large enough for the pads it draws, and the model runs with nncc's shapes."""
    from .test_registry import check_in_onnxruntime

    res = compile_model("r.yaml", "onnx", data=model('"pad(x, [0, 3], mode=\\"reflect\\")"', inputs="f32[N]").encode())
    check_in_onnxruntime(res, 3)


@pytest.mark.parametrize("dtype", ["f16", "f64"])
def test_a_param_of_its_own_float_type_is_a_weight_of_that_type(dtype):
    """Found by the registry fuzzer: `param(shape=[1], dtype="f16")` declared an f16 output of an f32
    weight (a weight took the first input's float type, and param has no input): ONNX refused it."""
    import onnx

    from .test_registry import check_in_onnxruntime

    text = model(f'"param(shape=[2, 3], dtype=\\"{dtype}\\") + x"', inputs=f"{dtype}[N, 2, 3]")
    res = compile_model("r.yaml", "onnx", data=text.encode())
    main = next(v for k, v in res.files.items() if k.endswith(".onnx"))
    onnx.checker.check_model(onnx.load_from_string(main), full_check=True)
    check_in_onnxruntime(res, 2)


def test_a_bfloat16_output_is_compared_by_its_shape():
    """Found by the bounded run of the registry fuzzer: a model whose output is bf16 (a `param` of that
    dtype) compiled, and the harness failed to fetch it from onnxruntime ("No corresponding Numpy type
    for Tensor Type. bfloat16"): numpy has no bfloat16. It now takes outputs as OrtValues and compares
    their shapes with nncc's."""
    from .test_registry import check_in_onnxruntime

    res = compile_model("b.yaml", "onnx", data=model('"param(shape=[3], dtype=\\"bf16\\")"').encode())
    assert res.frontend.graph.outputs[0].type.dtype == "bf16"
    check_in_onnxruntime(res, 2)


def test_stacked_recurrent_layers_are_bounded_before_their_weights_are_made():
    """Found by the long run (seed 3, input 103060): a mutant of lstm_lm.yaml with `layers: 7679162`
    built a weight spec per layer before any limit applied (1.4 GB, 3.8 CPU s); num_layers is now a
    repeat count, bounded by max_repeat (E005) before the weights are made."""
    for op in ("lstm", "gru"):
        with pytest.raises(CompileError) as e:
            compile_model("l.yaml", "onnx", data=model(f'"{op}(x, 8, num_layers=7679162)"', inputs="f32[N, 3, 4]").encode())
        assert [d.code for d in e.value.diagnostics] == ["E005"] and "max_repeat" in e.value.diagnostics[0].message
