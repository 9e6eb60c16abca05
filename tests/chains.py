"""Long chains of one repeated block, as model files: what the scaling tests and bench/bench_scale.py compile.

Three shapes (issue 13): `linear` (linear → relu), `cbr` (conv → batch norm → relu,
plus a residual add of the block's input) and `identity` (x |> repeat(n, identity)
|> relu). Each file has a small head (flatten → linear → cross-entropy training
loss) so the training targets (LBANN, SINGA) compile it too.
"""
from __future__ import annotations

SHAPES = ("linear", "cbr", "identity")
PER_BLOCK = {"linear": 2, "cbr": 4, "identity": 1}
HEAD = 3  # flatten, linear, relu after the identity chain (the loss is a training head)

_BODY = {
    "linear": ("f32[N, 8]", "  blk(x):\n    return: linear(x, 8) |> relu\n", "x |> repeat({n}, blk)"),
    "cbr": ("f32[N, 2, 4, 4]", "  blk(x):\n    a: conv2d(x, 2, 3, pad=1) |> batch_norm |> relu\n    return: a + x\n",
            "x |> repeat({n}, blk)"),
    "identity": ("f32[N, 8]", "", "x |> repeat({n}, identity) |> relu"),
}


def blocks_for(shape: str, nodes: int) -> int:
    """How many repeats make a chain of about `nodes` nodes."""
    return max(1, nodes // PER_BLOCK[shape])


def chain_model(shape: str, blocks: int) -> str:
    inp, blk, body = _BODY[shape]
    text = f"nncc: 1\nmodel: chain_{shape}\ninputs:\n  x: {inp}\n  label: i64[N]\n"
    if blk:
        text += "blocks:\n" + blk
    text += f"graph:\n  y: {body.format(n=blocks)}\n  out: y |> flatten |> linear(4)\noutputs: [out]\n"
    text += ("train:\n  loss: cross_entropy(out, label)\n  optimizer: sgd(lr=0.1)\n  batch_size: 8\n  steps: 10\n"
             "  data:\n    train: {format: csv, path: data.csv}\n")
    return text
