"""The data of graph inputs in the params file, made block by block as the file is written.

SMAUG's Data node for a graph input holds sample values: uniform floats in [0, 1) from the emitter's
generator, in the order nncc has always drawn them (one `random(shape, float32)` per input, inputs in
the order the graph reads them), or zeros for integer and bool inputs. `-O batch` multiplies their
size, up to `max_weight_bytes`, so they are never drawn whole: the generator (PCG64, which can jump
ahead) is positioned at any value, so a block is drawn alone, in any order and from any thread, with
the same bits as the whole draw. A block holds at most about BLOCK values, except for an NHWC input
one of whose image rows (W x C values) is larger: that row is a block.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from nncc.passes.layouts import PERMS, RANK
from nncc.weights import BLOCK

from .params import NP, _payload, _payload_size, padded_dims


def generator_at(state: Mapping[str, Any], e: int) -> np.random.Generator:
    """A generator whose next float32 draws are values e, e+1, ... of a draw started at PCG64 `state`.

    A float32 takes 32 bits: the low then the high half of each 64-bit output, the high half kept in
    the state (`has_uint32`) between calls.
    """
    bg = np.random.PCG64()
    bg.state = dict(state)  # type: ignore[assignment]  # numpy types it as PCG64's TypedDict
    g = np.random.Generator(bg)
    if e:
        e -= state["has_uint32"]
        bg.advance(e // 2)  # also drops the kept half
        if e % 2:
            g.random(1, dtype=np.float32)
    return g


class InputData:
    """One input's values as the params file stores them (stored layout, last dim padded to the
    alignment, float16 two to an int32): a Lazy part of nncc/output.py's Stream."""

    def __init__(self, state: Mapping[str, Any] | None, shape: list[int], layout: str, dtype: str, alignment: int):
        """`state`: the generator's state before the draw (None: zeros); `shape` in canonical order."""
        self.state, self.dtype, self.alignment = state, dtype, alignment
        self.perm = PERMS[layout] if layout in PERMS and RANK[layout] == len(shape) and \
            PERMS[layout] != tuple(range(len(shape))) else None
        self.shape = list(shape)
        self.dims = [shape[p] for p in self.perm] if self.perm else list(shape)
        self.row = self.dims[-1] if self.dims else 1  # values in a stored row, and padded
        self.prow = padded_dims(self.dims, alignment)[-1] if self.dims else 1
        self.count = math.prod(padded_dims(self.dims, alignment)) if self.dims else 1
        odd = dtype == "Float16" and self.count % 2
        size = self.count + 1 if odd else self.count
        payload = _payload_size(size, dtype) if state is not None else size  # zeros: one byte each
        assert payload is not None
        self.nbytes: int = payload
        if self.perm is not None and state is not None:
            if self.perm != (0, 2, 3, 1):  # pragma: no cover - the layouts pass gives inputs NHWC or canonical
                raise NotImplementedError(f"input data in layout {layout}")
            n, c, h, w = self.shape
            self.ranges = self._image_rows(n, c, h, w)
        else:
            self.ranges = [(p, min(self.count, p + BLOCK)) for p in range(0, self.count, BLOCK)]
        self.ranges = [(p, q) for p, q in self.ranges if q > p]

    def _image_rows(self, n: int, c: int, h: int, w: int) -> list[tuple[int, int]]:
        """NHWC: whole samples to a block where a sample fits, else rows of images (h ranges)."""
        sample = h * w * self.prow
        if sample <= BLOCK:
            step = max(1, BLOCK // max(sample, 1))
            step += step % 2 if sample % 2 and step < n else 0
            return [(i * sample, min(n, i + step) * sample) for i in range(0, n, step)]
        line = w * self.prow
        step = max(1, BLOCK // line)
        step += step % 2 if line % 2 and step < h else 0
        return [((i * h + j) * line, (i * h + min(h, j + step)) * line) for i in range(n) for j in range(0, h, step)]

    @property
    def nblocks(self) -> int:
        return len(self.ranges)

    def _canonical(self, start: int, count: int) -> np.ndarray:
        assert self.state is not None
        return generator_at(self.state, start).random(count, dtype=np.float32)

    def _values(self, p: int, q: int) -> np.ndarray:
        """Stored values p..q (padded index space) as float32, zero in the padding."""
        r0, r1 = p // self.prow, -(-q // self.prow)
        if self.perm is None:
            rows = self._canonical(r0 * self.row, (r1 - r0) * self.row).reshape(r1 - r0, self.row)
        else:  # NHWC: rows are (n, h) pairs; each channel's plane gives a contiguous run of them
            n, c, h, w = self.shape
            i, j0 = divmod(r0 // w, h)
            j1 = j0 + (r1 - r0) // w
            if j1 <= h:  # rows of one image: a run of w*(j1-j0) values per channel
                planes = [self._canonical((i * c + k) * h * w + j0 * w, (j1 - j0) * w) for k in range(c)]
                rows = np.stack(planes, axis=-1).reshape(r1 - r0, self.row)
            else:  # whole samples
                s0, s1 = r0 // (h * w), r1 // (h * w)
                block = self._canonical(s0 * c * h * w, (s1 - s0) * c * h * w).reshape(s1 - s0, c, h, w)
                rows = block.transpose(0, 2, 3, 1).reshape(r1 - r0, self.row)
        if self.prow != self.row:
            rows = np.pad(rows, [(0, 0), (0, self.prow - self.row)])
        flat = rows.reshape(-1)
        return flat[p - r0 * self.prow:q - r0 * self.prow]

    def block(self, k: int) -> np.ndarray:
        p, q = self.ranges[k]
        if self.state is None:
            return np.zeros(q - p, np.uint8)  # a varint 0 (Int32, Int64) or false (Bool) is one zero byte
        flat: np.ndarray = self._values(p, q).astype(NP[self.dtype], copy=False)
        if self.dtype == "Float16" and flat.size % 2:
            flat = np.append(flat, np.float16(0))
        body = _payload(flat, self.dtype)
        assert isinstance(body, np.ndarray)
        return body
