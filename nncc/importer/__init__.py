"""`nncc import`: an ONNX model becomes a model file (and its weights an .npz under nncc's names).

read (graph.py: load, shape inference, fold shape arithmetic) → lower (lower.py: ONNX nodes → calls
of the language's ops) → write (emit.py, blocks.py: lines, pipes, params, blocks) → check (check.py:
compile the written text with nncc's own front end, compare every shape with ONNX's, and name the
weights by matching the compiled graph's weights to the calls that own them, in order and shape).
onnx is imported here only, so `nncc --help` stays fast.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Imported", "import_onnx"]


@dataclass
class Imported:
    text: str                        # the model file
    weights: dict[str, np.ndarray]   # the weights under the names `nncc compile --weights` reads
    lines: int                       # graph and block lines written
    blocks: int                      # blocks found


def import_onnx(path: str, yaml_path: str = "model.yaml") -> Imported:
    """Import `path`; `yaml_path` is where the text will go (diagnostics of the check name it)."""
    from .check import check
    from .graph import load
    from .lower import Lowering
    from .write import unsupported, write

    og = load(path)
    lo = Lowering(og)
    lo.run()
    if lo.unsupported:
        unsupported(path, lo.unsupported)
    w = write(og, lo, path)
    arrays = check(og, w, yaml_path)
    return Imported(w.text, arrays, w.nlines, w.nblocks)
