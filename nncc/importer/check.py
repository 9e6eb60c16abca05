"""Check an imported model file with nncc's own front end, and name its weights.

The text is compiled as any model file is; every line's shape and every output's is compared with
the shape ONNX's inference gave. Weights are named by structure, not by a naming rule: the compiled
graph's layers that own weights come in the order the importer wrote them, so the k-th such layer is
the k-th weighted call, and each of its weights must have the shape of the array it is given. So the
names are whatever nncc's front end calls them, today and after any change to its naming rule.
"""
from __future__ import annotations

import os

import numpy as np

from .. import codes
from ..diagnostics import CompileError, Diagnostic, Note
from ..driver import frontend
from .graph import OGraph
from .write import Written


def _mismatch(msg: str, notes: list[str] | None = None) -> CompileError:
    return CompileError([Diagnostic(codes.IMPORT_MISMATCH, msg, None,
                                    "this is a bug in nncc import; please report it with the ONNX file",
                                    notes=[Note(n) for n in notes or []])])


def check(og: OGraph, w: Written, yaml_path: str) -> dict[str, np.ndarray]:
    try:
        fe = frontend(yaml_path, data=w.text.encode())
    except CompileError as e:
        raise _mismatch(f"the model file written for {os.path.basename(yaml_path)} does not compile",
                        [f"{d.span}: {d.code}: {d.message}" if d.span else f"{d.code}: {d.message}"
                         for d in e.diagnostics]) from None
    g = fe.graph
    values = {v.name: v for n in g.nodes for v in n.outputs}
    values.update({v.name: v for v in g.inputs})
    values.update({name: v for name, v in zip(w.outputs, g.outputs)})
    wrong = []
    for line, onnx_value in list(w.line_values.items()) + list(w.outputs.items()):
        want = og.shapes.get(onnx_value)
        v = values.get(line)
        if want is None or v is None or v.type is None:
            continue
        got = tuple(d if isinstance(d, int) else str(d) for d in v.type.shape)
        syms = {d for _, shape in og.inputs.values() for d in shape if isinstance(d, str)}
        if len(got) != len(want) or any(g != o for g, o in zip(got, want) if isinstance(o, int) or o in syms):
            wrong.append(f"`{line}`: nncc infers [{', '.join(map(str, got))}], ONNX [{', '.join(map(str, want))}]")
    if wrong:
        raise _mismatch(f"{len(wrong)} line(s) of the imported model differ in shape from the ONNX model", wrong)
    owners = [n for n in g.nodes if n.weights]
    if len(owners) != len(w.weighted):
        raise _mismatch(f"the model file has {len(owners)} layers with weights, the ONNX model {len(w.weighted)}")
    arrays: dict[str, np.ndarray] = {}
    for node, call in zip(owners, w.weighted):
        ws = list(node.weights.values())
        shapes = [tuple(x.ttype.shape) for x in ws]
        if shapes != [a.shape for a in call.weights]:
            raise _mismatch(f"layer `{node.name}` ({node.op}) has weights {shapes}, the ONNX node "
                            f"{call.nodes[0].where} {[a.shape for a in call.weights]}")
        for x, a in zip(ws, call.weights):
            arrays[x.name] = np.ascontiguousarray(a)
    return arrays
