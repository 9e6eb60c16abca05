"""Finding model files, linting and checking them (in parallel), and fixing them.

`nncc lint` runs the front end (parse, elaborate, infer shapes, validate) and the
W-rules; it never imports a target's emitter, onnx or torch. `nncc check` also
compiles each file for each target in memory (`compile_model(..., emit=True)`),
discarding the files.
"""
from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from .. import codes
from ..diagnostics import CompileError, Diagnostic, Span
from ..output import write_files
from ..record import Record
from ..source import read_source
from .checks import Finding, Fix, run_checks
from .config import LintConfig
from .suppress import Suppressions

# a model file has a top-level `nncc:` or `graph:` key; other YAML (CI configs,
# docker-compose files, ...) in a directory being linted is skipped quietly
_MODEL_KEY = re.compile(r"^(?:nncc|graph)[ \t]*:", re.MULTILINE)
_SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox",
              ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist"}
YAML_EXTS = (".yaml", ".yml")


class FileResult(Record):
    path: str
    findings: list[Finding]
    skipped: bool  # not a model file
    fixed: int  # fixes applied by --fix
    more: int  # errors left out past max_diagnostics
    stopped: bool  # the front end stopped looking for more
    __slots__ = ("path", "findings", "skipped", "fixed", "more", "stopped")

    def __init__(self, path: str, findings: list[Finding] | None = None, skipped: bool = False, fixed: int = 0,
                 more: int = 0, stopped: bool = False) -> None:
        self.path = path
        self.findings = [] if findings is None else findings
        self.skipped = skipped
        self.fixed = fixed
        self.more = more
        self.stopped = stopped

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [f.diag for f in self.findings]


def is_model_text(text: str) -> bool:
    return _MODEL_KEY.search(text) is not None


def discover(paths: Iterable[str], cfg: LintConfig) -> list[tuple[str, bool]]:
    """(path, explicit) for each file to lint; a file named on the command line is always linted.

    Anything that is not a directory is linted as a file (a FIFO, a device or a link to nothing
    then gets its own E007); a folder the walk cannot read is listed too, so that it is reported
    rather than skipped without a word. Raises FileNotFoundError for a path that does not exist.
    """
    out: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for p in paths:
        if os.path.lexists(p) and not os.path.isdir(p):
            if p not in seen:
                seen.add(p)
                out.append((p, True))
            continue
        if not os.path.isdir(p):
            raise FileNotFoundError(2, "no such file or directory", p)
        found = []

        def unreadable(e: OSError) -> None:
            if e.filename:
                found.append(e.filename)

        for root, dirs, files in os.walk(p, onerror=unreadable):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")
                             and not cfg.excluded(os.path.join(root, d)))
            for f in files:
                if f.endswith(YAML_EXTS):
                    fp = os.path.join(root, f)
                    if not cfg.excluded(fp):
                        found.append(fp)
        for fp in sorted(found):
            if fp not in seen:
                seen.add(fp)
                out.append((fp, os.path.isdir(fp)))  # an unreadable folder is reported like a named file
    return out


def _internal(path: str, e: BaseException) -> Finding:
    if os.environ.get("NNCC_DEBUG"):
        raise e
    return Finding(Diagnostic(codes.INTERNAL_ERROR, f"internal error: {type(e).__name__}: {e} (a bug in nncc; set NNCC_DEBUG=1 "
                              "for a traceback)", Span(path, 1, 1, 1, 2)))


def _filter(findings: list[Finding], path: str, text: str, cfg: LintConfig) -> list[Finding]:
    sup = Suppressions(text)
    out = []
    seen: set[tuple] = set()
    for f in findings:
        d = f.diag
        if not cfg.enabled(d.code, path) or sup.suppressed(d.code, d.span.line if d.span else None):
            continue
        key = (d.code, d.message, d.span)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    out.sort(key=lambda f: (f.diag.span.line if f.diag.span else 0, f.diag.span.col if f.diag.span else 0,
                            f.diag.code))
    return out


def _lint_text(path: str, text: str, data: bytes, cfg: LintConfig,
               defines: dict[str, str] | None) -> tuple[list[Finding], bool | CompileError]:
    """All findings for one file, and True if it passed the front end (else its CompileError)."""
    from ..driver import frontend

    try:
        fe = frontend(path, defines, data)
    except CompileError as e:
        return [Finding(d) for d in e.diagnostics], e
    except RecursionError:
        return [Finding(Diagnostic(codes.TOO_LARGE, "the model nests too deeply to compile", Span(path, 1, 1, 1, 2)))], False
    return [Finding(d) for d in fe.warnings] + run_checks(fe, text, cfg.max_weight_bytes), True


def lint_frontend(path: str, data: bytes, fe: Any, cfg: LintConfig) -> list[Diagnostic]:
    """The lint diagnostics of a file whose front end has just run (what `nncc compile` adds to its
    warnings, from its own front end rather than a second one)."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    findings = [Finding(d) for d in fe.warnings] + run_checks(fe, text, cfg.max_weight_bytes)
    return [f.diag for f in _filter(findings, path, text, cfg)]


def lint_file(path: str, cfg: LintConfig, defines: dict[str, str] | None = None, explicit: bool = True,
              targets: tuple[str, ...] | None = None, data: bytes | None = None,
              options: dict[str, str] | None = None, opt_level: int | None = None,
              disable: frozenset[str] = frozenset()) -> FileResult:
    """Lint one file (or `data`, read from standard input); with `targets`, also compile it for
    each (what `nncc check` does), with the `options` each target has, at `opt_level`, without the
    optional passes in `disable` (those a target's pipeline has)."""
    if data is None:
        try:
            data = read_source(path)  # regular files only, never past max_file_bytes: E006/E007 otherwise
        except CompileError as e:
            return FileResult(path, [Finding(d) for d in e.diagnostics])
    text = data.decode("utf-8", errors="replace")
    text = text.removeprefix("\ufeff")
    if not explicit and not is_model_text(text):
        return FileResult(path, skipped=True)
    more, stopped = 0, False
    try:
        findings, ok = _lint_text(path, text, data, cfg, defines)
        if isinstance(ok, CompileError):
            more, stopped = ok.more, ok.stopped
        elif ok is True and targets is not None:
            findings += _compile_all(path, data, _targets_for(path, text, cfg, targets), defines, options or {},
                                     opt_level, disable)
    except Exception as e:  # an internal error on one file must not hide the others
        findings = [_internal(path, e)]
    return FileResult(path, _filter(findings, path, text, cfg), more=more, stopped=stopped)


def _targets_for(path: str, text: str, cfg: LintConfig, asked: tuple[str, ...]) -> list[str]:
    from .. import target as T

    if asked == ("all",):
        return T.available()
    if asked:
        return list(asked)
    if cfg.targets:
        return list(cfg.targets)
    from ..model import read_model

    try:
        m = read_model(path, text.encode())
    except CompileError:
        return []
    if m.targets is not None and m.targets.items:
        return [k.value for k, _ in m.targets.items if T.get(k.value) is not None]
    return ["onnx"]


def _compile_all(path: str, data: bytes, targets: list[str], defines: dict[str, str] | None,
                 options: dict[str, str], opt_level: int | None = None,
                 disable: frozenset[str] = frozenset()) -> list[Finding]:
    from .. import target as T
    from ..cliutil import pipeline_of
    from ..driver import compile_model

    out: list[Finding] = []
    for t in targets:
        target = T.get(t)
        mine = {k: v for k, v in options.items() if target is not None and target.option(k) is not None}
        skip = set(disable & set(pipeline_of(t))) if disable else set()
        try:
            compile_model(path, t, defines=defines, data=data, options=mine, opt_level=opt_level,
                          disable=skip, emit=True)  # in memory, unwritten
        except CompileError as e:
            for d in e.diagnostics:
                out.append(Finding(Diagnostic(d.code, f"[{t}] {d.message}", d.span or Span(path, 1, 1, 1, 2),
                                              d.help, d.severity, d.notes)))
        except Exception as e:
            f = _internal(path, e)
            f.diag.message = f"[{t}] {f.diag.message}"
            out.append(f)
    return out


# ---------------------------------------------------------------- many files

def _work(args: tuple) -> FileResult:
    path, explicit, cfg, defines, targets, fix, data, options, opt_level, disable = args
    try:
        if fix:
            return fix_file(path, cfg, defines, explicit)
        return lint_file(path, cfg, defines, explicit, targets, data, options, opt_level, disable)
    finally:
        # A file's IR is a web of cycles (values and the nodes that make them), freed only by the cyclic
        # collector, which nncc's entry point runs every 100,000 allocations: over many files that is one
        # collection per ~100 files' garbage, cold in the cache by then (10 % of lint's CPU on 1,000 files).
        # Collected after each file, while it is fresh, it costs a third of that, and memory holds one
        # file's garbage instead of a hundred's (tests/test_lint_memory.py). The middle generation too:
        # a file big enough to pass the threshold has part of its IR there already.
        gc.collect(1)


def _warm() -> None:
    """Import the front end once, before forking workers."""
    from .. import driver, syntax  # noqa: F401


def run(files: list[tuple[str, bool]], cfg: LintConfig, defines: dict[str, str] | None = None,
        targets: tuple[str, ...] | None = None, fix: bool = False, jobs: int | None = None,
        data: dict[str, bytes] | None = None, options: dict[str, str] | None = None, opt_level: int | None = None,
        disable: frozenset[str] = frozenset(), on_done: Callable[[FileResult], None] | None = None) -> list[FileResult]:
    """Lint (or check, or fix) files; in worker processes when there are enough of them.

    data: the bytes of files not on disk (standard input), by name; options, opt_level, disable: -O,
    --opt-level and --disable-pass for `check`;
    on_done: called with each file's result as it is finished (for progress)."""
    done = on_done or (lambda r: None)
    work = [(p, explicit, cfg, defines, targets, fix, (data or {}).get(p), options, opt_level, disable)
            for p, explicit in files]
    n_cpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    jobs = n_cpu if jobs is None else max(1, jobs)
    jobs = min(jobs, len(work))
    per_proc = 8 if targets is None else 1  # below this many files a pool costs more than it saves
    if jobs <= 1 or len(work) < 2 * per_proc:
        _warm()
        out = []
        for w in work:
            out.append(_work(w))
            done(out[-1])
        return out
    import concurrent.futures as cf
    import multiprocessing as mp

    _warm()
    gc.freeze()  # forked workers then do not copy the parent's pages when the collector walks them
    ctx = mp.get_context("fork") if sys.platform.startswith("linux") else None
    chunk = max(1, min(64, len(work) // (jobs * 4)))
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as ex:
        results = []
        for r in ex.map(_work, work, chunksize=chunk):
            results.append(r)
            done(r)
        return results


# ---------------------------------------------------------------- --fix

def apply_fixes(text: str, fixes: list[Fix]) -> tuple[str, int]:
    """Apply non-overlapping fixes (the first of two that overlap wins); returns (text, count)."""
    edits: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    n = 0
    for fx in fixes:
        spans = [(a, b) for a, b, _ in fx.edits]
        if any(a < tb and ta < b or (a == b == ta) for a, b in spans for ta, tb in taken):
            continue
        taken.extend(spans)
        edits.extend(fx.edits)
        n += 1
    for a, b, s in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:a] + s + text[b:]
    return text, n


def fix_file(path: str, cfg: LintConfig, defines: dict[str, str] | None = None, explicit: bool = True) -> FileResult:
    """Apply every safe fix (text edits at known spans: comments, key order and layout are kept), then re-lint."""
    total = 0
    for _ in range(8):  # a fix can reveal another (deleting a param that only fed another param)
        res = lint_file(path, cfg, defines, explicit)
        if res.skipped:
            return res
        fixes = [f.fix for f in res.findings if f.fix is not None]
        if not fixes:
            break
        try:
            text = read_source(path).decode("utf-8")
        except (CompileError, UnicodeDecodeError):  # changed since it was linted: leave it
            break
        bom = "\ufeff" if text.startswith("\ufeff") else ""
        new, n = apply_fixes(text[len(bom):], fixes)
        if n == 0:
            break
        write_files({path: (bom + new).encode("utf-8")})  # atomic, a fresh temporary, the file's mode kept
        total += n
    res = lint_file(path, cfg, defines, explicit)
    res.fixed = total
    return res
