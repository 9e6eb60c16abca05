"""Write the PyTorch project: model.py from the lowering table, the rest from templates."""
from __future__ import annotations

import os

import numpy as np

from nncc.diagnostics import Diagnostic
from nncc.ir import Graph, Value
from nncc.target import EmitContext
from nncc.weights import npz_bytes

from .lower import TORCH_DTYPE, ModelCode, Unsupported, lower_graph
from .render import render


def heads_inputs(g: Graph) -> list[Value]:
    """The values the losses and metrics read."""
    out: list[Value] = []
    for n in [*g.losses, *g.metrics.values()]:
        out.extend(v for v in n.inputs if v not in out)
    return out


def model_source(g: Graph, code: ModelCode, source: str, doc: str) -> str:
    floats = [v.type.dtype for v in g.inputs if v.type.dtype in ("f16", "bf16", "f64")]
    uses_f = any("F." in expr for _, expr in code.lines) or bool(code.helpers - {"GRU", "RBM"})
    return render("model.py", name=g.name, doc=" ".join((doc or "").split()), source=source,
                  helpers=code.helpers, modules=code.modules, holders=code.holders, params=code.params,
                  lines=code.lines, inputs=code.inputs, returns=code.returns, uses_f=uses_f,
                  input_names=[name for _, name in code.inputs],
                  dtype=TORCH_DTYPE[floats[0]] if floats else "float32")


def weights_npz(g: Graph) -> bytes:
    """The initial weights (nncc's draw with --seed, or --weights) in nncc's names."""
    return npz_bytes({w.name: np.asarray(w.data) for w in g.weights() if w.share is None})


def emit(g: Graph, ctx: EmitContext) -> dict[str, bytes]:
    try:
        code = lower_graph(g, heads_inputs(g))
    except Unsupported as e:
        ctx.bag.add(Diagnostic("E510", str(e), e.node.span))
        return {}
    files = {"model.py": model_source(g, code, os.path.basename(ctx.model.path),
                                      ctx.model.doc)}
    files["init.npz"] = weights_npz(g)
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
