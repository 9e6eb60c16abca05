"""`--weights` on SINGA: the arrays as SINGA v0.3's own checkpoint file, which the job loads through
`checkpoint_path`.

The file is a `BlobProtos` message (SINGA's common.proto): for each param its `name`, `version` and a
`BlobProto` (`shape`, `data` as packed floats). NeuralNet::Load reshapes a param to the blob's shape
and copies the values, so each blob has the shape the layer gives its param in Setup:
inner product [out, in], convolution [filters, channels·kernel_y·kernel_x] (Im2col's order, nncc's
[O, C, kh, kw] flattened), kCudnnBM [1, C, 1, 1], a GRU gate's block of rows, an RBM [hidden, visible],
embeddings [vocab, dim], biases [n]. The names are the job's params with the `0#` that SINGA's
unrolling gives every layer's params (unroll index 0 owns them). The version is 1: InitNetParams
initialises the params whose version is 0 and keeps the others.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nncc.ir import Weight
from nncc.protowire import length_delimited, varint

CHECKPOINT_LIMIT = 536870912  # ReadProtoFromBinaryFile's total bytes limit (512 MB)


@dataclass
class Blob:
    """A param the job owns, and how its values come from an nncc weight."""

    name: str  # the param's name in the job
    weight: Weight
    layout: str  # "as_is", "matrix" ([rows, the rest]), "bn" ([1, C, 1, 1]), "rows" (a gate's block)
    part: tuple[int, int] = (0, 1)  # (block, blocks) for "rows"
    extra: Weight | None = None  # a GRU's recurrent bias, whose z and r blocks add to the bias


def values(b: Blob) -> Any:
    import numpy as np

    a = np.asarray(b.weight.data, dtype=np.float32)
    if b.layout == "rows":
        i, k = b.part
        rows = a.shape[0] // k
        a = a[i * rows:(i + 1) * rows]
        if b.extra is not None:
            a = a + np.asarray(b.extra.data, dtype=np.float32)[i * rows:(i + 1) * rows]
    elif b.layout == "matrix":
        a = a.reshape(a.shape[0], -1)
    elif b.layout == "bn":
        a = a.reshape(1, -1, 1, 1)
    return a


def _blob(a: Any) -> bytes:
    shape = b"".join(varint(1 << 3) + varint(int(d)) for d in a.shape)
    data = a.astype("<f4").tobytes()
    return shape + length_delimited(2, len(data)) + data


def checkpoint(blobs: list[Blob]) -> bytes:
    """The BlobProtos file: blob, version and name of each param, in the job's order."""
    out = bytearray()
    for b in blobs:
        blob = _blob(values(b))
        name = ("0#" + b.name).encode()
        out += length_delimited(5, len(blob)) + blob
        out += varint(3 << 3) + varint(1)
        out += length_delimited(4, len(name)) + name
    return bytes(out)


def blob_size(b: Blob) -> int:
    n = 1
    for d in b.weight.ttype.shape:
        n *= int(d)
    return 4 * n // b.part[1]



def given_weights(E: Any) -> bytes | None:
    """With --weights: the checkpoint file of the job's params, and `checkpoint_path` pointing at it in the
    workspace (the launch script copies it there; SINGA reads paths relative to SINGA_HOME)."""
    import numpy as np

    from nncc import codes

    ctx = E.ctx
    if ctx.weights_path is None:
        return None
    if E.job.checkpoint_path:
        E.err("--weights and targets.singa.checkpoint_path both give the params' values; SINGA loads every "
              "path in turn, so one would overwrite the other", None, "give one of them")
        return None
    npart = int(E.cfg.distributed.get("workers_per_group") or 1)
    split = [ly.name for ly in E.net.layer if ly.param and npart > 1 and (
        ly.partition_dim if ly.HasField("partition_dim") else E.net.partition_dim) > 0]
    if split:
        E.err(f"layer `{split[0]}` is split on its features among {npart} workers: each holds a slice of its "
              "params under the param's own name, so one checkpoint cannot give them (SINGA v0.3 loads the whole "
              "blob into each slice)", E.tspan("distributed"), "leave out --weights, or partition on the batch (0)")
        return None
    for b in E.blobs:
        if b.extra is not None and b.part[0] == 0:  # a GRU's recurrent bias: its candidate block has no place
            rb = np.asarray(b.extra.data, dtype=np.float32)
            h = rb.shape[0] // 3
            if np.any(rb[2 * h:]):
                E.err(f"`{b.extra.name}` has a non-zero candidate block, inside the reset product, which SINGA's "
                      "kGRU lacks (its z and r blocks are added to the bias)", b.weight.span,
                      "zero that block, or give the gru bias=false", code=codes.UNSUPPORTED_SETTING)
                return None
    size = sum(blob_size(b) for b in E.blobs)
    if size > CHECKPOINT_LIMIT:
        E.err(f"the params hold {size:,} bytes; SINGA v0.3 reads a checkpoint of at most {CHECKPOINT_LIMIT:,} "
              "(ReadProtoFromBinaryFile's limit)", None, "leave out --weights: SINGA draws the initial values")
        return None
    E.job.checkpoint_path.append(f"{E.job.cluster.workspace.rstrip('/')}/{ctx.stem}.weights.bin")
    return checkpoint(E.blobs)
