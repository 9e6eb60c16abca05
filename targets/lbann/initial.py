"""`--weights` on LBANN: each weights entry's given values as a NumPy file that LBANN's own
`numpy_initializer` loads when the model is set up.

LBANN (src/weights/initializer.cpp, numpy_initializer::fill; built with LBANN_WITH_CNPY) fills a
weights matrix of Height × Width (Elemental, column-major) from a .npy file of float32 or float64 in
C order: a matrix of one column takes the file's values in order, whatever the array's shape; a wider
one needs a 2-D array of exactly [Height, Width], and entry (i, j) of the matrix is the array's [i, j].
Each layer gives its weights their matrix dims (`set_dims(height dims, width dims)`) in setup_data,
and what nncc writes for each:
* fully_connected [out, in] (with `transpose`, [in, out]: the tied layer's [out, in], read transposed)
  and channelwise_fully_connected [out channels, in channels]: nncc's [out, in] as it is;
* convolution's kernel, one column of out × in/groups × kernel (the filter order cuDNN and oneDNN
  read): nncc's [O, C/groups, k…] in C order; deconvolution's, in × out × kernel, is nncc's
  [C, O/groups, k…] only when groups is 1 (LBANN does not divide by the groups there);
* embedding [dim, num_embeddings]: nncc's [num_embeddings, dim] transposed;
* gru's four weights [3H, F], [3H, H], [3H], [3H], gate blocks stacked r, z, n: nncc's, stacked z, r, h,
  with the first two blocks swapped;
* biases, batch-norm scale, bias and running statistics, layer-norm scale and bias, a weights layer's
  tensor: one column, nncc's values in C order.
A file is float64 for double weights and float32 otherwise (LBANN converts to fp16 for fp16 weights).
The names are relative, `<stem>_weights/<weights name>.npy`: cnpy opens them from LBANN's working
directory, which the launch script makes the prototext's folder, or the workspace it copies them to.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from nncc.ir import Weight
from nncc.limits import LIMITS
from nncc.output import Stream

from . import lbann_pb2 as pb
from .refusals import refuse

if TYPE_CHECKING:
    from .emit import Emitter

BUILD_NOTE = "loads the given weights through numpy_initializer: needs an LBANN built with LBANN_WITH_CNPY"


def folder(stem: str) -> str:
    return f"{stem}_weights"


def layouts(em: Emitter) -> dict[str, set[str]]:
    """How each weights entry's users read its values: its name -> the layouts (one, unless users differ)."""
    uses: dict[str, set[str]] = {}
    for lay in em.layers:
        kind = lay.WhichOneof("layer_type")
        for i, name in enumerate(lay.weights):
            if kind == "embedding":
                how = "transposed"
            elif kind == "gru":
                how = "gates"
            elif kind == "deconvolution" and i == 0 and lay.deconvolution.groups.value > 1:
                how = "deconvolution-groups"
            else:
                how = "as-is"
            uses.setdefault(name, set()).add(how)
    return uses


def matrix(w: Weight, how: str, double: bool) -> Any:
    """The array whose values LBANN's matrix takes: 2-D [Height, Width] for a matrix, flat for a column."""
    import numpy as np

    a = np.asarray(w.data, dtype=np.float64 if double else np.float32)
    if how == "transposed":
        a = a.T
    elif how == "gates":  # nncc's z, r, h blocks -> LBANN's r, z, n
        h = a.shape[0] // 3
        a = np.concatenate([a[h:2 * h], a[:h], a[2 * h:]])
    return np.ascontiguousarray(a if a.ndim == 2 else a.reshape(-1))


def npy(a: Any) -> Stream:
    """A .npy file (format 1.0, which cnpy reads): its header, then the array's bytes as they are."""
    import numpy as np

    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": a.dtype.str, "fortran_order": False, "shape": a.shape})
    return Stream([head.getvalue(), memoryview(a.reshape(-1).view(np.uint8))])


def given(em: Emitter) -> dict[str, Stream]:
    """With --weights: every weights entry that has values reads them from its file (numpy_initializer).
    Entries nncc adds itself (gather's indices, a bias-free gru's zero biases) keep their constants."""
    if em.ctx.weights_path is None:
        return {}
    uses = layouts(em)
    by_name = {em.wnames[id(w)]: w for w in em.weight_list}
    double = em.dtype == pb.DOUBLE and not em.opts.get("amp")
    files: dict[str, Stream] = {}
    total = 0
    for wp in em.model.weights:
        w = by_name.get(wp.name)
        if w is None or not w.has_values:
            continue
        how = uses.get(wp.name, {"as-is"})
        if len(how) > 1:
            raise refuse("weights-layouts", f"`{w.name}` is read as {' and as '.join(sorted(how))} by the layers that "
                         "share it, so one file cannot give LBANN's matrix for both (target `lbann`)", w.span,
                         "untie the weight, or leave out --weights")
        if how == {"deconvolution-groups"}:
            raise refuse("weights-deconvolution-groups", f"`{w.name}`: LBANN sizes a grouped deconvolution's kernel "
                         "[in, out, kernel] where nncc's is [in, out/groups, kernel], so the given values do not fill "
                         "it (target `lbann`)", w.span, "leave out --weights, or use groups=1")
        a = matrix(w, next(iter(how)), double)
        total += a.nbytes
        if total > LIMITS["max_weight_bytes"]:
            raise refuse("weights-size", f"the weights files for LBANN would hold more than "
                         f"{LIMITS['max_weight_bytes']:,} bytes (max_weight_bytes; target `lbann`)", None,
                         "raise it with --max-weight-bytes if this is intended")
        path = f"{folder(em.ctx.stem)}/{wp.name}.npy"
        wp.initializer.Clear()
        wp.initializer.numpy_initializer.file = path
        files[path] = npy(a)
    return files
