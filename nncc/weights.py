"""Weight values: drawn from each weight's initializer with a seed, or loaded from .npz.

Each weight gets its own random stream, seeded by (seed, crc32(name)), so adding
a layer does not change the values of the others, and a rerun is bit-identical.
`.npz` files are read with allow_pickle=False: no code runs from a weights file.
"""
from __future__ import annotations

import math
import zipfile
import zlib

import numpy as np

from .diagnostics import CompileError, Diagnostic, did_you_mean
from .ir import Graph, Weight

NP_DTYPES = {"f16": np.float16, "bf16": np.float32, "f32": np.float32, "f64": np.float64,
             "i8": np.int8, "i32": np.int32, "i64": np.int64, "bool": np.bool_}


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) as PyTorch computes them: dim 1 × receptive field, dim 0 × receptive field."""
    if len(shape) < 2:
        n = shape[0] if shape else 1
        return n, n
    rf = 1
    for d in shape[2:]:
        rf *= d
    return shape[1] * rf, shape[0] * rf


def draw(w: Weight, seed: int) -> np.ndarray:
    shape = tuple(int(d) for d in w.type.shape)
    dt = NP_DTYPES[w.type.dtype]
    init = w.init
    kind = init.kind
    if kind == "constant":
        return np.full(shape, init.arg("value", 0.0), dtype=dt)
    rng = np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(w.name.encode())])
    fan_in, fan_out = fans(shape)
    if kind == "uniform":
        lo, hi = init.arg("low", -0.05), init.arg("high", 0.05)
        return (rng.random(shape, dtype=np.float32) * (hi - lo) + lo).astype(dt, copy=False)
    if kind == "gaussian":
        return (rng.standard_normal(shape, dtype=np.float32) * init.arg("std", 1.0) + init.arg("mean", 0.0)).astype(
            dt, copy=False)
    if kind in ("he_normal", "xavier_normal", "lecun_normal"):
        denom = {"he_normal": fan_in / 2, "xavier_normal": (fan_in + fan_out) / 2, "lecun_normal": fan_in}[kind]
        std = math.sqrt(1.0 / max(denom, 1e-12))
        a = rng.standard_normal(shape, dtype=np.float32)
        a *= std
        return a.astype(dt, copy=False)
    if kind in ("he_uniform", "xavier_uniform", "lecun_uniform"):
        denom = {"he_uniform": fan_in / 2, "xavier_uniform": (fan_in + fan_out) / 2, "lecun_uniform": fan_in}[kind]
        bound = math.sqrt(3.0 / max(denom, 1e-12))
        a = rng.random(shape, dtype=np.float32)
        a *= 2 * bound
        a -= bound
        return a.astype(dt, copy=False)
    raise ValueError(f"unknown initializer {kind}")  # pragma: no cover - checked at elaboration


def materialize(g: Graph, seed: int = 0, path: str | None = None) -> None:
    """Give every weight its data; with `path`, exactly the arrays in that file."""
    weights = [w for w in g.weights() if w.data is None]
    if path is None:
        for w in weights:
            if w.share is not None and w.share.data is not None and w.share.type.shape != w.type.shape:
                w.data = np.ascontiguousarray(w.share.data.T)
            else:
                w.data = draw(w, seed)
        return
    arrays = load_npz(path)
    diags = []
    own = [w for w in weights if w.share is None]
    names = {w.name for w in own}
    for w in own:
        if w.name not in arrays:
            guess = did_you_mean(w.name, arrays)
            diags.append(Diagnostic("E503", f"weights file has no array `{w.name}` ({w.type})", None,
                                    f"did you mean `{guess}`?" if guess else
                                    "names are LAYER.ROLE, as `nncc summary --weights` lists them"))
            continue
        a = arrays[w.name]
        if tuple(a.shape) != tuple(w.type.shape):
            diags.append(Diagnostic("E503", f"array `{w.name}` has shape {list(a.shape)}, the model needs "
                                    f"{list(w.type.shape)}", None))
            continue
        if a.dtype.kind not in "fiub":
            diags.append(Diagnostic("E503", f"array `{w.name}` has dtype {a.dtype}, not a number type", None))
            continue
        w.data = np.ascontiguousarray(a.astype(NP_DTYPES[w.type.dtype], copy=False))
    for extra in sorted(set(arrays) - names):
        diags.append(Diagnostic("E503", f"weights file has an array `{extra}` that the model does not use", None,
                                "remove it, or check the layer names"))
    if diags:
        raise CompileError(diags)
    for w in weights:
        if w.share is not None and w.data is None and w.share.data is not None:
            w.data = np.ascontiguousarray(w.share.data.T)


def load_npz(path: str) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            return {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise CompileError([Diagnostic("E503", f"weights file `{path}` does not exist", None)]) from None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise CompileError([Diagnostic("E503", f"cannot read weights file `{path}`: {e}", None,
                                       "weights are an .npz of named arrays (numpy.savez); pickled objects are refused")]
                           ) from None
