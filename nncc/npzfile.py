"""`.npz` weights files: checked from the zip directory and the .npy headers before any data is read,
read without pickle, and read block by block where the member is stored (numpy.savez), so a big
array is never whole in memory while the ONNX writer streams it into its file.
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
from .diagnostics import CompileError, Diagnostic


READ_BLOCK = 1 << 20  # bytes a stored member is read in: a big array is never whole in memory


class NpzArray:
    """One array of a checked .npz, read when it is needed (ONNX: as the file is written).

    Like a Draw it has shape, dtype, nbytes, nblocks and block(k); `array()` reads it whole. A
    stored member (numpy.savez) of C order is read in blocks of READ_BLOCK bytes, each straight
    from the file, and its CRC-32 is checked when the last block is in; others (deflated,
    Fortran order) are one block. A read that fails (the file changed or is corrupt past its
    headers) is an E503 diagnostic, raised where the array is read.
    """
    __slots__ = ("npz", "member", "name", "shape", "dtype", "size", "nbytes", "file_dtype", "_crcs")

    def __init__(self, npz: "_OpenNpz", member: str, name: str, shape: tuple[int, ...], dtype: np.dtype,
                 file_dtype: np.dtype | None = None):
        self.npz, self.member, self.name, self.shape, self.dtype = npz, member, name, tuple(shape), np.dtype(dtype)
        self.file_dtype = np.dtype(file_dtype if file_dtype is not None else dtype)
        self.size = math.prod(int(d) for d in self.shape)
        self.nbytes = self.size * self.dtype.itemsize
        self._crcs: dict[int, int] = {}

    def astype(self, dtype) -> "NpzArray":
        return NpzArray(self.npz, self.member, self.name, self.shape, dtype, self.file_dtype)

    @property
    def _per_block(self) -> int:
        return max(1, READ_BLOCK // max(1, self.file_dtype.itemsize))

    @property
    def nblocks(self) -> int:
        if not self.npz.blockwise(self.member) or self.size == 0:
            return 1
        return -(-self.size // self._per_block)

    def _fail(self, e: BaseException) -> CompileError:
        return CompileError([Diagnostic(codes.BAD_WEIGHTS, f"cannot read array `{self.name}` from weights file "
                                        f"`{self.npz.path}`: {e}", None)])

    def array(self) -> np.ndarray:
        if self.nblocks > 1:
            out = np.empty(self.size, self.dtype)
            for k in range(self.nblocks):
                out[k * self._per_block:(k + 1) * self._per_block] = self.block(k)
            return out.reshape(self.shape)
        try:
            a = self.npz.read(self.member)
            if a.shape != self.shape:
                raise ValueError(f"shape {list(a.shape)} where the header said {list(self.shape)}")
        except _FILE_ERRORS as e:
            raise self._fail(e) from None
        return np.ascontiguousarray(a.astype(self.dtype, copy=False))

    def block(self, k: int) -> np.ndarray:
        """Block k, flat, in the weight's dtype; blocks may be read in any order and from threads."""
        if self.nblocks == 1:
            return self.array().reshape(-1)
        n = self._per_block
        lo, hi = k * n, min(self.size, (k + 1) * n)
        try:
            a, crc = self.npz.read_range(self.member, lo * self.file_dtype.itemsize, self.file_dtype, hi - lo)
            self._check_crc(k, crc, (hi - lo) * self.file_dtype.itemsize)
        except _FILE_ERRORS as e:
            raise self._fail(e) from None
        return a.astype(self.dtype, copy=False)

    def _check_crc(self, k: int, crc: int, nbytes: int) -> None:
        """Each block's CRC-32 is kept; when all are in, they are combined in order with the
        header's and compared with the zip directory's (blocks may come from several threads)."""
        self._crcs[k] = crc
        if len(self._crcs) < self.nblocks:
            return
        crcs, self._crcs = self._crcs, {}
        full = self._per_block * self.file_dtype.itemsize
        total = self.npz.header_crc(self.member)
        shift_full = _crc_shift(full)
        last = self.nbytes_file - full * (self.nblocks - 1)
        for i in range(self.nblocks):
            total = _gf2_times(shift_full if i < self.nblocks - 1 else _crc_shift(last), total) ^ crcs[i]
        if total != self.npz.zip.getinfo(self.member).CRC:
            raise zipfile.BadZipFile(f"bad CRC-32 for {self.member}")

    @property
    def nbytes_file(self) -> int:
        return self.size * self.file_dtype.itemsize


def _gf2_times(mat: list[int], vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _crc_shift(nbytes: int) -> list[int]:
    """The GF(2) operator that advances a CRC-32 register over `nbytes` zero bytes: with it,
    crc(A + B) = shift(len B)·crc(A) xor crc(B), so blocks checked apart combine to the member's CRC."""
    op = [0xEDB88320] + [1 << i for i in range(31)]  # one zero bit
    for _ in range(3):  # squared three times: 2, 4, then 8 zero bits (one byte)
        op = [_gf2_times(op, op[i]) for i in range(32)]
    result = [1 << i for i in range(32)]  # identity
    while nbytes:
        if nbytes & 1:
            result = [_gf2_times(op, result[i]) for i in range(32)]
        nbytes >>= 1
        if nbytes:
            op = [_gf2_times(op, op[i]) for i in range(32)]
    return result


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
        self._where: dict[str, tuple[int, int, int]] = {}  # member -> (data start, header bytes, header CRC)

    def blockwise(self, member: str) -> bool:
        info = self.zip.getinfo(member)
        return self.fd >= 0 and info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 0x1 \
            and not self._layout(member)[3]

    def _layout(self, member: str) -> tuple[int, int, int, bool]:
        """(where the .npy starts, its header's length, the header's CRC-32, fortran order) of a stored member."""
        if member not in self._where:
            info = self.zip.getinfo(member)
            local = os.pread(self.fd, 30, info.header_offset)
            if len(local) < 30 or local[:4] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"bad local header for {member}")
            start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + \
                int.from_bytes(local[28:30], "little")
            head = os.pread(self.fd, min(info.file_size, 1 << 16), start)
            fp = io.BytesIO(head)
            _, fortran, _ = _read_header(fp, np.lib.format.read_magic(fp))
            off = fp.tell()
            self._where[member] = (start, off, zlib.crc32(head[:off]), bool(fortran))  # type: ignore[assignment]
        return self._where[member]  # type: ignore[return-value]

    def header_crc(self, member: str) -> int:
        return self._layout(member)[2]

    def read_range(self, member: str, offset: int, dtype: np.dtype, count: int) -> tuple[np.ndarray, int]:
        """`count` values from byte `offset` of a stored member's data, and their CRC-32."""
        start, off, _, _ = self._layout(member)
        a = np.empty(count, dtype)
        buf = a.view(np.uint8).data if a.size else memoryview(b"")
        done = 0
        while done < buf.nbytes:
            n = os.preadv(self.fd, [buf[done:]], start + off + offset + done)
            if n <= 0:
                raise EOFError(f"{member} ends early")
            done += n
        return a, zlib.crc32(buf)

    def read(self, member: str) -> np.ndarray:
        info = self.zip.getinfo(member)
        if self.fd < 0 or info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            with self.zip.open(member) as fp:
                return np.lib.format.read_array(fp, allow_pickle=False)
        start, off, hcrc, fortran = self._layout(member)
        fp = io.BytesIO(os.pread(self.fd, off, start))
        shape, _, dtype = _read_header(fp, np.lib.format.read_magic(fp))
        if dtype.hasobject:
            raise ValueError("an object array")
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
        if zlib.crc32(buf, hcrc) != info.CRC:
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
