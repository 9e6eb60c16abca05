"""Shape arithmetic shared by the op registry: broadcasting, window sizes, symbolic dims."""
from __future__ import annotations

import re
from collections.abc import Iterable

from . import codes
from .ir import Dim


class ShapeError(Exception):
    """A shape or type rule was broken; `where` names the argument (index or keyword) to blame."""

    def __init__(self, message: str, where: str | int | None = None, help: str | None = None,
                 code: str = codes.SHAPE_MISMATCH):
        super().__init__(message)
        self.message = message
        self.where = where
        self.help = help
        self.code = code


# Symbolic dims are text a user could have written (`H-2`, `2*N`, `floor((H-1)/2)+1`):
# they appear in messages, in `nncc summary` and as ONNX dim_params.

def _outside_parens(expr: str) -> str:
    out, depth = [], 0
    for ch in expr:
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and ch not in "()":
            out.append(ch)
    return "".join(out)


def sym(expr: str) -> str:
    """`expr` ready to be a factor: parenthesised when it is a sum, difference or quotient."""
    return f"({expr})" if any(op in _outside_parens(expr) for op in "+-/") else expr


_TRAILING_CONST = re.compile(r"(.*[^-+*/(])([+-]\d+)")


def dim_add(a: Dim, b: int) -> Dim:
    """a + b, with a constant at the end of `a` folded in (`H+2` - 3 -> `H-1`)."""
    if isinstance(a, int):
        return a + b
    m = _TRAILING_CONST.fullmatch(a)
    if m:
        a, b = m.group(1), b + int(m.group(2))
    return a if b == 0 else f"{a}{b:+d}"


def dim_sum(dims: Iterable[Dim]) -> Dim:
    """The sum of dims as a user would write it: integers added, a repeated symbol counted
    (`N`, `N` -> `2*N`; `N`, 3 -> `N+3`; `N`, `M` -> `N+M`), never a stray `0+`."""
    const = 0
    terms: dict[str, int] = {}
    for d in dims:
        if isinstance(d, int):
            const += d
        else:
            terms[d] = terms.get(d, 0) + 1
    if not terms:
        return const
    text = "+".join(t if n == 1 else f"{n}*{sym(t)}" for t, n in terms.items())
    return f"{text}+{const}" if const else text


def dim_mul(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if a == 1:
        return b
    if b == 1:
        return a
    return f"{sym(str(a))}*{sym(str(b))}"


def window_out(size: Dim, k: int, stride: int, pad_total: int, dilation: int = 1, ceil: bool = False) -> Dim:
    """Output length of a convolution/pooling window over `size`."""
    eff = dilation * (k - 1) + 1
    if not isinstance(size, int):
        if stride == 1:
            return dim_add(size, pad_total - eff + 1)
        return f"{'ceil' if ceil else 'floor'}({sym(str(dim_add(size, pad_total - eff)))}/{stride})+1"
    num = size + pad_total - eff
    if num < 0:
        return num // stride + 1 if num // stride + 1 <= 0 else 0
    out = -(-num // stride) + 1 if ceil else num // stride + 1
    if ceil and (out - 1) * stride >= size + pad_total - (pad_total // 2):
        out -= 1  # the last window must start inside the input or left padding
    return out


def same_pads(size: Dim, k: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """SAME_UPPER padding (extra padding at the end), as ONNX and TensorFlow do it."""
    eff = dilation * (k - 1) + 1
    if not isinstance(size, int):
        total = max(eff - stride, 0) if stride == 1 else eff - 1
        return total // 2, total - total // 2
    out = -(-size // stride)
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def broadcast(a: tuple[Dim, ...], b: tuple[Dim, ...]) -> tuple[Dim, ...]:
    """NumPy broadcasting; raises ShapeError naming the first dims that disagree."""
    out: list[Dim] = []
    ra, rb = len(a), len(b)
    for i in range(max(ra, rb)):
        da = a[ra - 1 - i] if i < ra else 1
        db = b[rb - 1 - i] if i < rb else 1
        if da == db or db == 1:
            out.append(da)
        elif da == 1:
            out.append(db)
        else:
            ax = max(ra, rb) - 1 - i
            raise ShapeError(f"shapes [{_fmt(a)}] and [{_fmt(b)}] do not broadcast: "
                             f"dimension {ax} is {da} in one and {db} in the other", 1,
                             "broadcasting needs equal dims or a 1 in one of them (aligned from the right)")
    return tuple(reversed(out))


def _fmt(s: tuple[Dim, ...]) -> str:
    return ", ".join(str(d) for d in s)


def prod(dims) -> Dim:
    p: Dim = 1
    for d in dims:
        p = dim_mul(p, d)
    return p


def per_sample(shape: tuple[Dim, ...]) -> int:
    """Element count with symbolic dims (the batch) counted as 1: costs are per sample."""
    n = 1
    for d in shape:
        if isinstance(d, int):
            n *= d
    return n


def norm_axis(axis: int, rank: int, where: str = "axis") -> int:
    if not -rank <= axis < max(rank, 1):
        raise ShapeError(f"axis {axis} is out of range for a rank-{rank} tensor", where,
                         f"use an axis in [{-rank}, {rank - 1}]")
    return axis % rank if rank else 0
