"""Weight values: drawn from each weight's initializer with a seed, or loaded from .npz.

Each weight gets its own random stream, seeded by (seed, crc32(name)), so adding
a layer does not change the values of the others, and a rerun is bit-identical.
`.npz` files are read with allow_pickle=False: no code runs from a weights file.
"""
from __future__ import annotations

import math
import os
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


def _draw_all(weights: list[Weight], seed: int) -> None:
    """Draw in threads when there is much to draw (numpy fills without the GIL); each weight has its
    own stream, so the values do not depend on the order or the thread count."""
    total = sum(w.type.numel() for w in weights)
    if total < 1 << 20 or len(weights) < 2:
        for w in weights:
            w.data = draw(w, seed)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(8, os.cpu_count() or 1)) as ex:
        for w, a in zip(weights, ex.map(lambda w: draw(w, seed), weights)):
            w.data = a


def materialize(g: Graph, seed: int = 0, path: str | None = None) -> None:
    """Give every weight its data; with `path`, exactly the arrays in that file."""
    if any(w.init.kind == "derived" for w in g.weights() if w.data is None):
        return _materialize_derived(g, seed, path)
    weights = [w for w in g.weights() if w.data is None]
    if path is None:
        tied = [w for w in weights if w.share is not None and w.share.type.shape != w.type.shape
                and (w.share.data is not None or w.share in weights)]
        _draw_all([w for w in weights if w not in tied], seed)
        for w in tied:
            w.data = np.ascontiguousarray(w.share.data.T)
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
        want = "f" if w.type.dtype in ("f16", "bf16", "f32", "f64") else "b" if w.type.dtype == "bool" else "iu"
        if a.dtype.kind not in want:
            diags.append(Diagnostic("E503", f"array `{w.name}` has dtype {a.dtype}, the model needs "
                                    f"{w.type.dtype}", None, "save it with the weight's type, e.g. "
                                    "a.astype(numpy.float32)"))
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


class _Weights:
    def __init__(self, ws: list[Weight]):
        self.ws = ws

    def weights(self) -> list[Weight]:
        return self.ws


def _materialize_derived(g: Graph, seed: int, path: str | None) -> None:
    """Weights that optimisation passes folded (nncc/passes/fold.py) are computed from their sources.

    The sources are the unfolded model's weights: they are drawn or loaded (a `--weights`
    file holds exactly them) as for an unoptimised compile, then each derived weight is
    `fn(*source arrays)`.
    """
    order: list[Weight] = []
    leaves: dict[int, Weight] = {}
    seen: set[int] = set()

    def visit(w: Weight) -> None:
        if id(w) in seen:
            return
        seen.add(id(w))
        if w.init.kind == "derived":
            for s in w.init.arg("sources", ()):
                visit(s)
            order.append(w)
        else:
            leaves[id(w)] = w

    for w in g.weights():
        if w.data is None:
            visit(w)
    materialize(_Weights(list(leaves.values())), seed, path)  # type: ignore[arg-type]
    for w in order:
        a = w.init.arg("fn")(*[s.data for s in w.init.arg("sources", ())])
        w.data = np.ascontiguousarray(a.astype(NP_DTYPES[w.type.dtype], copy=False))


def load_npz(path: str) -> dict[str, np.ndarray]:
    """Read an .npz without pickle, checking every array's header (dtype, size) before reading its data."""
    from .limits import LIMITS

    def bad(msg: str, code: str = "E503", help: str | None = None) -> CompileError:
        return CompileError([Diagnostic(code, msg, None, help or "weights are an .npz of named arrays "
                                        "(numpy.savez); pickled objects are refused")])

    try:
        with open(path, "rb") as f:
            if f.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
                raise bad(f"weights file `{path}` is not an .npz archive")
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            members = [m for m in z.zip.namelist()]
            if len(members) > LIMITS["max_nodes"] * 4:
                raise bad(f"weights file `{path}` has {len(members)} arrays, more than any model uses", "E005")
            total = 0
            for m in members:
                with z.zip.open(m) as fp:
                    version = np.lib.format.read_magic(fp)
                    shape, _, dtype = _read_header(fp, version)
                name = m[:-4] if m.endswith(".npy") else m
                if dtype.hasobject:
                    raise bad(f"array `{name}` in `{path}` holds Python objects (dtype {dtype}); "
                              "loading it would need pickle, which nncc refuses")
                n = dtype.itemsize
                for d in shape:
                    n *= int(d)
                total += n
                if total > LIMITS["max_weight_bytes"]:
                    raise bad(f"weights file `{path}` holds more than {LIMITS['max_weight_bytes']:,} bytes of "
                              "arrays", "E005", "raise the limit with --max-weight-bytes N if this is real")
            return {k: z[k] for k in z.files}
    except CompileError:
        raise
    except FileNotFoundError:
        raise CompileError([Diagnostic("E503", f"weights file `{path}` does not exist", None)]) from None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError, SyntaxError) as e:
        raise bad(f"cannot read weights file `{path}`: {e}") from None


def _read_header(fp, version: tuple[int, int]):
    """(shape, fortran_order, dtype) of a .npy member, without reading its data."""
    fmt = np.lib.format
    if version == (1, 0):
        return fmt.read_array_header_1_0(fp)
    if version == (2, 0):
        return fmt.read_array_header_2_0(fp)
    try:  # version 3.0 (UTF-8 header names): numpy's private reader
        from numpy.lib import _format_impl as impl  # numpy >= 2
    except ImportError:  # pragma: no cover
        impl = fmt
    return impl._read_array_header(fp, version)
