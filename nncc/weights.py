"""Weight values: drawn from each weight's initializer with a seed, or loaded from a weights file.

Each weight gets its own random streams, seeded by (seed, crc32(name), block), so
adding a layer does not change the values of the others, and a rerun is bit-identical.
Files are read by nncc/wfiles.py (no code runs from a weights file) and their arrays
paired with the weights by nncc/wmap.py.
"""
from __future__ import annotations

import math
import os
import zlib
from typing import TYPE_CHECKING

import numpy as np

from . import codes
from .diagnostics import CompileError, Diagnostic
from .dtypes import FLOAT_DTYPES, numpy_type
from .ir import Graph, Weight

if TYPE_CHECKING:
    from .wmap import Assignment


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) as PyTorch computes them: dim 1 × receptive field, dim 0 × receptive field."""
    if len(shape) < 2:
        n = shape[0] if shape else 1
        return n, n
    rf = 1
    for d in shape[2:]:
        rf *= d
    return shape[1] * rf, shape[0] * rf


_TWO_PI = np.float32(2 * math.pi)
BLOCK = 1 << 18  # values per random stream; part of what a seed means, so it never changes


def fill_normal(rng: np.random.Generator, out: np.ndarray) -> None:
    """Fill a flat float32 array with standard normal values: the Box-Muller transform of uniforms.

    This is how PyTorch's CPU `normal_` fills a tensor, and here it is 2.4 times as fast as
    numpy's float32 ziggurat: drawing ResNet-152's 60 M values is most of an ONNX compile.
    The uniforms u are in [0, 1); 1 - u is in (0, 1], so the logarithm is finite and
    |z| <= sqrt(2 ln 2**24) = 5.77. numpy's float32 log/cos/sin are its own SIMD code: a
    rerun on the same machine is bit-identical; another CPU family may differ in the last bit.
    """
    n = out.size
    h = n // 2
    rng.random(out=out, dtype=np.float32)
    if h:
        u, v = out[:h], out[h:2 * h]
        r = np.subtract(np.float32(1), u, dtype=np.float32)
        np.log(r, out=r)
        r *= np.float32(-2)
        np.sqrt(r, out=r)
        v *= _TWO_PI
        np.cos(v, out=u)
        u *= r
        np.sin(v, out=v)
        v *= r
    if n % 2:
        out[-1] = rng.standard_normal(dtype=np.float32)


class Draw:
    """How one weight's values are drawn, without drawing them.

    The values are blocks of BLOCK values; block k comes from its own stream, seeded by
    (seed, crc32(name), k). So the whole array (`array`), any block alone (`block`, what the
    ONNX writer streams into the file) and any number of threads give the same bits.
    """
    __slots__ = ("name", "kind", "shape", "dtype", "size", "nbytes", "key", "scale", "shift", "normal")

    def __init__(self, w: Weight, seed: int):
        self.name = w.name
        self.shape = tuple(int(d) for d in w.ttype.shape)
        self.dtype = np.dtype(numpy_type(w.ttype.dtype))
        self.size = 1
        for d in self.shape:
            self.size *= d
        self.nbytes = self.size * self.dtype.itemsize
        self.key = [seed & 0xFFFFFFFF, zlib.crc32(w.name.encode())]
        init = w.init
        kind = self.kind = init.kind
        fan_in, fan_out = fans(self.shape)
        self.normal = kind in ("gaussian", "he_normal", "xavier_normal", "lecun_normal")
        if kind == "constant":
            self.scale, self.shift = 0.0, init.arg("value", 0.0)
        elif kind == "uniform":
            lo, hi = init.arg("low", -0.05), init.arg("high", 0.05)
            self.scale, self.shift = hi - lo, lo
        elif kind == "gaussian":
            self.scale, self.shift = init.arg("std", 1.0), init.arg("mean", 0.0)
        elif kind in ("he_normal", "xavier_normal", "lecun_normal"):
            denom = {"he_normal": fan_in / 2, "xavier_normal": (fan_in + fan_out) / 2, "lecun_normal": fan_in}[kind]
            self.scale, self.shift = math.sqrt(1.0 / max(denom, 1e-12)), 0.0
        elif kind in ("he_uniform", "xavier_uniform", "lecun_uniform"):
            denom = {"he_uniform": fan_in / 2, "xavier_uniform": (fan_in + fan_out) / 2, "lecun_uniform": fan_in}[kind]
            bound = math.sqrt(3.0 / max(denom, 1e-12))
            self.scale, self.shift = 2 * bound, -bound
        else:  # pragma: no cover - checked at elaboration
            raise ValueError(f"unknown initializer {kind}")

    @property
    def nblocks(self) -> int:
        return -(-self.size // BLOCK)

    def fill(self, k: int, out: np.ndarray) -> None:
        """Block k into `out`, a flat float32 array of its length."""
        rng = np.random.default_rng([*self.key, k])
        if self.normal:
            fill_normal(rng, out)
        else:
            rng.random(out=out, dtype=np.float32)
        out *= np.float32(self.scale)
        if self.shift:
            out += np.float32(self.shift)

    def block(self, k: int) -> np.ndarray:
        """Block k, flat, in the weight's dtype."""
        n = min(BLOCK, self.size - k * BLOCK)
        if self.kind == "constant":
            return np.full(n, self.shift, dtype=self.dtype)
        out = np.empty(n, np.float32)
        self.fill(k, out)
        return out.astype(self.dtype, copy=False)

    def array(self) -> np.ndarray:
        if self.kind == "constant":
            return np.full(self.shape, self.shift, dtype=self.dtype)
        out = np.empty(self.size, np.float32)
        for k in range(self.nblocks):
            self.fill(k, out[k * BLOCK:(k + 1) * BLOCK])
        return out.astype(self.dtype, copy=False).reshape(self.shape)


def _draw_all(weights: list[Weight], seed: int) -> None:
    """Draw in threads when there is much to draw (numpy fills without the GIL), block by block,
    so one big weight is shared out too; the values do not depend on the order or the threads."""
    draws = [Draw(w, seed) for w in weights]
    total = sum(d.size for d in draws)
    if total < 1 << 20:
        for w, d in zip(weights, draws):
            w.data = d.array()
        return
    from concurrent.futures import ThreadPoolExecutor

    outs, jobs = [], []
    for d in draws:
        out = np.empty(d.size, np.float32) if d.kind != "constant" else None
        outs.append(out)
        if out is not None:
            jobs += [(d, k, out[k * BLOCK:(k + 1) * BLOCK]) for k in range(d.nblocks)]
    with ThreadPoolExecutor(min(8, os.cpu_count() or 1)) as ex:
        for _ in ex.map(lambda j: j[0].fill(j[1], j[2]), jobs):
            pass
    for w, d, out in zip(weights, draws, outs):
        w.data = d.array() if out is None else out.astype(d.dtype, copy=False).reshape(d.shape)


def materialize(g: Graph, seed: int = 0, path: str | None = None, lazy: bool = False, map_path: str | None = None,
                partial: bool = False) -> "Assignment | None":
    """Give every weight its values: drawn, or from the weights file `path` (nncc/wfiles.py formats),
    its arrays paired with the weights by nncc/wmap.py (`map_path`: an explicit map file).

    `partial`: weights without a fitting array are drawn, and arrays no weight takes are left;
    otherwise either is E503. Returns how the file's arrays were paired (None when drawing).
    `lazy`: weights get a Draw, or the file's array (`Weight.lazy`), instead of their data,
    and are drawn or read when read; the ONNX writer streams them into the file.
    """
    if any(w.init.kind == "derived" for w in g.weights() if not w.has_values):
        return _materialize_derived(g, seed, path, lazy, map_path, partial)
    weights = [w for w in g.weights() if not w.has_values]
    tied = [w for w in weights if w.share is not None and w.share.ttype.shape != w.ttype.shape
            and (w.share.has_values or w.share in weights)]
    own = [w for w in weights if w not in tied]
    found = None
    if path is not None:
        own = [w for w in weights if w.share is None]
        found = _load(own, path, lazy, map_path, partial)
        own = [w for w in own if not w.has_values]  # what partial leaves to draw
    if lazy:
        for w in own:
            w.lazy = Draw(w, seed)
    else:
        _draw_all(own, seed)
    for w in tied:
        assert w.share is not None
        if not w.has_values:
            w.data = np.ascontiguousarray(w.share.data.T)
    return found


def _load(own: list[Weight], path: str, lazy: bool, map_path: str | None, partial: bool) -> "Assignment":
    from .wfiles import open_weights
    from .wmap import assign, problems, read_map

    mapping = read_map(map_path) if map_path else None
    names = {w.name for w in own} | {w.legacy for w in own if w.legacy}
    wf = open_weights(path, names=None if mapping is not None else names)
    if wf.unread and any(w.name not in wf.arrays and w.legacy not in wf.arrays for w in own):
        wf = open_weights(path)  # not all by name: the other arrays' headers, for pairing by structure
    found = assign(own, wf.arrays, mapping)
    found.unused += wf.unread
    diags = problems(found, wf.arrays, path, partial)
    for w in own:
        f = found.pairs.get(w.name)
        if f is None:
            continue
        a = wf.arrays[f]
        want = "f" if w.ttype.dtype in FLOAT_DTYPES else "b" if w.ttype.dtype == "bool" else "iu"
        if a.dtype.kind not in want:
            diags.append(Diagnostic(codes.BAD_WEIGHTS, f"array `{f}` has dtype {a.dtype}, the model needs "
                                    f"{w.ttype.dtype} for `{w.name}`", None, "save it with the weight's type, e.g. "
                                    "a.astype(numpy.float32)"))
            continue
        arr = a.astype(numpy_type(w.ttype.dtype))
        if lazy:
            w.lazy = arr  # read when needed, block by block
        else:
            w.data = np.ascontiguousarray(arr.array())
    if any(d.is_error for d in diags):
        raise CompileError(diags)
    found.warnings = diags
    return found


class _Weights:
    def __init__(self, ws: list[Weight]):
        self.ws = ws

    def weights(self) -> list[Weight]:
        return self.ws


def _materialize_derived(g: Graph, seed: int, path: str | None, lazy: bool, map_path: str | None,
                         partial: bool) -> "Assignment | None":
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
        if not w.has_values:
            visit(w)
    in_order = sorted(leaves.values(), key=lambda w: w.seq)  # the model's order, which pairing by structure reads
    found = materialize(_Weights(in_order), seed, path, lazy, map_path,  # type: ignore[arg-type]
                        partial)
    for w in order:
        d = Derived(w)
        if lazy:
            w.lazy = d  # computed as the file is written, its sources read then and let go
        else:
            w.data = d.array()
    return found


class Derived:
    """A folded weight's values, `fn(*sources)`, computed when they are read (one block).

    The sources' values are read for the computation and not kept (a lazy source stays
    lazy), so a model with folded weights is not all in memory while its file is written."""
    nblocks = 1

    def __init__(self, w: Weight):
        self.w = w
        self.shape = tuple(int(d) for d in w.ttype.shape)
        self.dtype = np.dtype(numpy_type(w.ttype.dtype))
        self.size = math.prod(self.shape)
        self.nbytes = self.size * self.dtype.itemsize

    def array(self) -> np.ndarray:
        srcs = self.w.init.arg("sources", ())
        vals = [s._data if s._data is not None else s.lazy.array() for s in srcs]
        a = self.w.init.arg("fn")(*vals)
        return np.ascontiguousarray(a.astype(self.dtype, copy=False))

    def block(self, k: int) -> np.ndarray:
        return self.array().reshape(-1)


