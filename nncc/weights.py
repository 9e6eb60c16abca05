"""Weight values: drawn from each weight's initializer with a seed, or loaded from .npz.

Each weight gets its own random streams, seeded by (seed, crc32(name), block), so
adding a layer does not change the values of the others, and a rerun is bit-identical.
`.npz` files are read with allow_pickle=False: no code runs from a weights file.
"""
from __future__ import annotations

import io
import math
import os
import stat
import struct
import threading
import zipfile
import zlib
from typing import Any

import numpy as np

from . import codes
from .diagnostics import CompileError, Diagnostic, did_you_mean
from .dtypes import FLOAT_DTYPES, numpy_type
from .ir import Graph, Weight



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


_SHOW_EXTRAS = 10  # unused arrays named in the one diagnostic about them


def materialize(g: Graph, seed: int = 0, path: str | None = None, lazy: bool = False) -> None:
    """Give every weight its values; with `path`, exactly the arrays in that file.

    `lazy`: weights get a Draw, or an NpzArray from the file (`Weight.lazy`), instead of their
    data, and are drawn or read when read; the ONNX writer streams them into the file.
    """
    if any(w.init.kind == "derived" for w in g.weights() if not w.has_values):
        return _materialize_derived(g, seed, path)
    weights = [w for w in g.weights() if not w.has_values]
    if path is None:
        tied = [w for w in weights if w.share is not None and w.share.ttype.shape != w.ttype.shape
                and (w.share.has_values or w.share in weights)]
        own = [w for w in weights if w not in tied]
        if lazy:
            for w in own:
                w.lazy = Draw(w, seed)
        else:
            _draw_all(own, seed)
        for w in tied:
            assert w.share is not None
            w.data = np.ascontiguousarray(w.share.data.T)
        return
    own = [w for w in weights if w.share is None]
    names = {w.name for w in own}
    arrays, extras = load_npz(path, lazy=lazy, names=names)
    diags = []
    for w in own:
        if w.name not in arrays:
            guess = did_you_mean(w.name, extras)
            diags.append(Diagnostic(codes.BAD_WEIGHTS, f"weights file has no array `{w.name}` ({w.type})", None,
                                    f"did you mean `{guess}`?" if guess else
                                    "names are LAYER.ROLE, as `nncc summary --weights` lists them"))
            continue
        a = arrays[w.name]
        if tuple(a.shape) != tuple(w.ttype.shape):
            diags.append(Diagnostic(codes.BAD_WEIGHTS, f"array `{w.name}` has shape {list(a.shape)}, the model needs "
                                    f"{list(w.ttype.shape)}", None))
            continue
        if a.dtype.kind not in "fiub":
            diags.append(Diagnostic(codes.BAD_WEIGHTS, f"array `{w.name}` has dtype {a.dtype}, not a number type", None))
            continue
        want = "f" if w.ttype.dtype in FLOAT_DTYPES else "b" if w.ttype.dtype == "bool" else "iu"
        if a.dtype.kind not in want:
            diags.append(Diagnostic(codes.BAD_WEIGHTS, f"array `{w.name}` has dtype {a.dtype}, the model needs "
                                    f"{w.ttype.dtype}", None, "save it with the weight's type, e.g. "
                                    "a.astype(numpy.float32)"))
            continue
        if isinstance(a, NpzArray):
            w.lazy = a.astype(numpy_type(w.ttype.dtype))  # read when needed
        else:
            w.data = np.ascontiguousarray(a.astype(numpy_type(w.ttype.dtype), copy=False))
    if extras:
        shown = ", ".join(f"`{e}`" for e in extras[:_SHOW_EXTRAS])
        more = f" and {len(extras) - _SHOW_EXTRAS:,} more" if len(extras) > _SHOW_EXTRAS else ""
        diags.append(Diagnostic(codes.BAD_WEIGHTS, f"weights file has {len(extras):,} array"
                                f"{'s' if len(extras) != 1 else ''} that the model does not use: {shown}{more}", None,
                                "remove them, or check the layer names"))
    if diags:
        raise CompileError(diags)
    for w in weights:
        if w.share is not None and not w.has_values and w.share.has_values:
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
        if not w.has_values:
            visit(w)
    materialize(_Weights(list(leaves.values())), seed, path)  # type: ignore[arg-type]
    for w in order:
        a = w.init.arg("fn")(*[s.data for s in w.init.arg("sources", ())])
        w.data = np.ascontiguousarray(a.astype(numpy_type(w.ttype.dtype), copy=False))


class NpzArray:
    """One array of a checked .npz, read when it is needed (ONNX: as the file is written).

    Like a Draw it has shape, dtype, nbytes, nblocks (1: a .npy member is read whole) and
    block(k); `array()` reads it. A read that fails (the file changed or is corrupt past
    its headers) is an E503 diagnostic, raised where the array is read.
    """
    __slots__ = ("npz", "member", "name", "shape", "dtype", "size", "nbytes")
    nblocks = 1

    def __init__(self, npz: "_OpenNpz", member: str, name: str, shape: tuple[int, ...], dtype: np.dtype):
        self.npz, self.member, self.name, self.shape, self.dtype = npz, member, name, tuple(shape), np.dtype(dtype)
        self.size = 1
        for d in self.shape:
            self.size *= int(d)
        self.nbytes = self.size * self.dtype.itemsize

    def astype(self, dtype) -> "NpzArray":
        return NpzArray(self.npz, self.member, self.name, self.shape, dtype)

    def array(self) -> np.ndarray:
        try:
            a = self.npz.read(self.member)
            if a.shape != self.shape:
                raise ValueError(f"shape {list(a.shape)} where the header said {list(self.shape)}")
        except _FILE_ERRORS as e:
            raise CompileError([Diagnostic(codes.BAD_WEIGHTS, f"cannot read array `{self.name}` from weights file "
                                           f"`{self.npz.path}`: {e}", None)]) from None
        return np.ascontiguousarray(a.astype(self.dtype, copy=False))

    def block(self, k: int) -> np.ndarray:
        return self.array().reshape(-1)


class _OpenNpz:
    """The archive the NpzArrays read from, from several threads at once.

    A stored (uncompressed, numpy.savez) member is read with os.preadv straight into its
    array, without the GIL, and its CRC-32 checked as zipfile would; a compressed one
    (numpy.savez_compressed) through zipfile.
    """

    def __init__(self, path: str):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        self.fd = self.zip.fp.fileno() if hasattr(os, "preadv") and self.zip.fp is not None else -1

    def read(self, member: str) -> np.ndarray:
        info = self.zip.getinfo(member)
        if self.fd < 0 or info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            with self.zip.open(member) as fp:
                return np.lib.format.read_array(fp, allow_pickle=False)
        local = os.pread(self.fd, 30, info.header_offset)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {member}")
        start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + \
            int.from_bytes(local[28:30], "little")
        head = os.pread(self.fd, min(info.file_size, 1 << 16), start)
        fp = io.BytesIO(head)
        version = np.lib.format.read_magic(fp)
        shape, fortran, dtype = _read_header(fp, version)
        if dtype.hasobject:
            raise ValueError("an object array")
        off = fp.tell()
        a = np.empty(shape[::-1] if fortran else shape, dtype)
        buf = a.reshape(-1).view(np.uint8).data if a.size else memoryview(b"")
        if off + buf.nbytes != info.file_size:
            raise ValueError(f"{member} holds {info.file_size - off} bytes of data, its header says {buf.nbytes}")
        done = 0
        while done < buf.nbytes:
            n = os.preadv(self.fd, [buf[done:]], start + off + done)
            if n <= 0:
                raise EOFError(f"{member} ends early")
            done += n
        crc = zlib.crc32(buf, zlib.crc32(head[:off]))
        if crc != info.CRC:
            raise zipfile.BadZipFile(f"bad CRC-32 for {member}")
        return a.T if fortran else a

    def __del__(self) -> None:
        try:
            self.zip.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


# what zipfile, zlib and numpy raise for a corrupt, truncated, encrypted or unusual archive: E503 at the file
_FILE_ERRORS = (ValueError, OSError, EOFError, KeyError, SyntaxError, zipfile.BadZipFile, zipfile.LargeZipFile,
                zlib.error, NotImplementedError, RuntimeError, struct.error, UnicodeError, OverflowError)
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what numpy.savez and savez_compressed write


def load_npz(path: str, lazy: bool = False, names: set[str] | None = None) -> tuple[dict, list[str]]:
    """The arrays `names` (all when None) of an .npz, read without pickle, and the names of the others.

    Everything is checked before any member is decompressed: the path is a regular file; the
    zip central directory lists, for each member used, a stored or deflated member, not
    encrypted, whose sizes together are within max_weight_bytes; each used member's .npy
    header (its first bytes) has a plain dtype, no negative dimension, and a data size equal
    to what the directory says the member holds. Members the model does not use are never
    read. Any failure of zipfile, zlib or numpy is E503 naming the file.
    lazy: the arrays are NpzArrays, which read their data when it is needed."""
    from .limits import LIMITS

    def bad(msg: str, code: str = codes.BAD_WEIGHTS, help: str | None = None) -> CompileError:
        return CompileError([Diagnostic(code, msg, None, help or "weights are an .npz of named arrays "
                                        "(numpy.savez); pickled objects are refused")])

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise bad(f"weights file `{path}` is not a regular file")
        with open(path, "rb") as f:
            if f.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
                raise bad(f"weights file `{path}` is not an .npz archive")
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > LIMITS["max_nodes"] * 4:
                raise bad(f"weights file `{path}` has {len(infos)} arrays, more than any model uses", codes.TOO_LARGE)
            members: dict[str, zipfile.ZipInfo] = {}
            for info in infos:
                members.setdefault(info.filename[:-4] if info.filename.endswith(".npy") else info.filename, info)
            used = [n for n in members if names is None or n in names]
            total = 0
            for n in used:
                info = members[n]
                if info.compress_type not in _METHODS:
                    raise bad(f"array `{n}` in `{path}` is compressed with method {info.compress_type}; nncc reads "
                              "stored and deflated members (numpy.savez, numpy.savez_compressed)")
                if info.flag_bits & 0x1:
                    raise bad(f"array `{n}` in `{path}` is encrypted")
                total += info.file_size
                if total > LIMITS["max_weight_bytes"] + 4096 * len(used):  # data, plus a header per array
                    raise bad(f"weights file `{path}` holds more than {LIMITS['max_weight_bytes']:,} bytes of "
                              "arrays", codes.TOO_LARGE, "raise the limit with --max-weight-bytes N if this is real")
            headers: dict[str, tuple[zipfile.ZipInfo, tuple[int, ...], np.dtype]] = {}
            declared = 0  # bytes of data the headers promise
            for n in used:
                info = members[n]
                with zf.open(info) as fp:  # decompresses the header's bytes only
                    shape, _, dtype = _read_header(fp, np.lib.format.read_magic(fp))
                    data_bytes = info.file_size - fp.tell()
                if dtype.hasobject:
                    raise bad(f"array `{n}` in `{path}` holds Python objects (dtype {dtype}); "
                              "loading it would need pickle, which nncc refuses")
                if any(int(d) < 0 for d in shape):
                    raise bad(f"array `{n}` in `{path}` has a negative dimension in its header: {list(shape)}")
                size = math.prod(int(d) for d in shape) * dtype.itemsize
                declared += size
                if declared > LIMITS["max_weight_bytes"]:
                    raise bad(f"weights file `{path}` declares more than {LIMITS['max_weight_bytes']:,} bytes of "
                              "arrays", codes.TOO_LARGE, "raise the limit with --max-weight-bytes N if this is real")
                if size != data_bytes:
                    raise bad(f"array `{n}` in `{path}`: its header says {size:,} bytes of data, the archive "
                              f"holds {data_bytes:,}")
                headers[n] = (info, shape, dtype)
            extra = sorted(set(members) - set(used))
            if lazy:
                npz = _OpenNpz(path)
                return {n: NpzArray(npz, i.filename, n, shape, dtype) for n, (i, shape, dtype) in headers.items()}, extra
            out = {}
            for n, (info, _, _) in headers.items():
                with zf.open(info) as fp:
                    out[n] = np.lib.format.read_array(fp, allow_pickle=False)
            return out, extra
    except CompileError:
        raise
    except FileNotFoundError:
        raise CompileError([Diagnostic(codes.BAD_WEIGHTS, f"weights file `{path}` does not exist", None)]) from None
    except _FILE_ERRORS as e:
        raise bad(f"cannot read weights file `{path}`: {type(e).__name__}: {e}") from None


# numpy parses a .npy header with ast.literal_eval, and CPython 3.11's parser is not safe to run in several
# threads at once ("SystemError: AST constructor recursion depth mismatch", seen when weights drawn for an
# ONNX file are read by the writer's threads): one header at a time
_HEADER_LOCK = threading.Lock()


def _read_header(fp, version: tuple[int, int]):
    """(shape, fortran_order, dtype) of a .npy member, without reading its data."""
    fmt = np.lib.format
    with _HEADER_LOCK:
        if version == (1, 0):
            return fmt.read_array_header_1_0(fp)
        if version == (2, 0):
            return fmt.read_array_header_2_0(fp)
        impl: Any  # numpy's private reader, which its stubs do not declare
        try:  # version 3.0 (UTF-8 header names): numpy's private reader
            from numpy.lib import _format_impl as impl  # numpy >= 2
        except ImportError:  # pragma: no cover
            impl = fmt
        return impl._read_array_header(fp, version)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz of `arrays` that is byte-identical for the same arrays (no timestamps, sorted names)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            with z.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.ascontiguousarray(arrays[name]), allow_pickle=False)
    return buf.getvalue()
