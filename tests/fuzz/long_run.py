"""A long fuzz run fast enough for millions of inputs: `make fuzz-long` (or `python -m tests.fuzz.long_run`).

The inputs are those of the property tests — the same strategies (test_mutations.py: byte, YAML-structure
and expression-token mutants of the samples; test_registry.py: any-op calls and valid chains;
test_targets.py: models with heads, train sections and `targets:` options, hostile option values among
them) — drawn without hypothesis's engine: input i of a run with seed S comes from a ConjectureData fed by
random.Random(f"{S}:{i}"), so any input is made again from its seed and index (`--replay S:i`). The kind
of input and the target rotate with i (KINDS, TARGETS), so every kind meets all four targets and lint;
one kind passes hostile `-O` options.

A warm parent, with everything imported, forks a child per batch of inputs; the child runs them in
process and checks the property of `_common.run` (output, or well-formed diagnostics: never E999, never
another exception), the files a target writes (test_targets.py's checks) and lint's diagnostics. Each
input may use CPU_LIMIT CPU seconds (ITIMER_PROF; a kernel CPU limit stops one stuck inside C code) and
each batch child's peak RSS (wait4's ru_maxrss, which counts the parent's pages the child maps) must stay
within RSS_LIMIT_MB: a bound on every input in the batch. Any failure is a finding: its input, options,
traceback and how to replay it go to OUT/findings/S-i/. OUT/stats.json is rewritten after every batch.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import sys
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field

CPU_LIMIT = 2.0  # CPU seconds per input (issue 17: no hang over 2 s)
RSS_LIMIT_MB = 200  # peak RSS of a batch child (issue 17: no peak over 200 MB)
TARGETS = ("onnx", "lbann", "singa", "smaug")
KINDS = ("bytes", "yaml", "tokens", "lint", "options", "chains", "calls", "target-chains", "registry")


@dataclass
class Case:
    kind: str
    target: str | None  # None: the front end only (the large samples); "lint": nncc lint
    name: str
    data: bytes
    options: dict[str, str] = field(default_factory=dict)


def _draw(strategy, rng: random.Random):
    from hypothesis.control import BuildContext
    from hypothesis.internal.conjecture.data import ConjectureData

    d = ConjectureData(random=rng)
    with BuildContext(d, wrapped_test=_draw):
        return d.draw(strategy)


def _opt_text(v) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def make_case(seed: int, i: int) -> Case:
    """Input i of the run with this seed."""
    from . import test_mutations as M
    from . import test_registry as R
    from . import test_targets as T
    from ._common import load_yaml

    rng = random.Random(f"{seed}:{i}")
    kind = KINDS[i % len(KINDS)]
    target = TARGETS[(i // len(KINDS)) % len(TARGETS)]
    if kind in ("chains", "calls", "target-chains"):
        target = T.TARGETS[(i // len(KINDS)) % len(T.TARGETS)]  # models with a train section: lbann, singa, smaug
        if kind == "chains":
            text, _ = _draw(R.chains(), rng)
            last = load_yaml(text)["outputs"][0]
        elif kind == "calls":
            text, _ = _draw(R.calls(), rng)
            last = "out"
        else:
            text, _ = _draw(R.chains(T.TARGET_OPS[target]), rng)
            last = load_yaml(text)["outputs"][0]
        return Case(kind, target, "fuzz.yaml", _draw(T.with_head_and_train(text, target, last), rng).encode())
    if kind == "registry":
        text, _ = _draw(R.chains() if rng.random() < 0.5 else R.calls(), rng)
        return Case(kind, "onnx", "fuzz.yaml", text.encode())
    mutants = {"bytes": M.byte_mutants, "yaml": M.yaml_mutants, "tokens": M.token_mutants}
    strategy = (mutants[kind] if kind in mutants else rng.choice(list(mutants.values())))()
    name, data = _draw(strategy, rng)
    data = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if kind == "lint":
        return Case(kind, "lint", name, data)
    if kind == "options":  # a small sample, mutated one time in two, with -O options: hostile one time in two
        if name not in M.SMALL or rng.random() < 0.5:
            name = rng.choice(M.SMALL)
            data = M.SAMPLES[name]
        opts = _draw(T.target_options(target), rng)
        if rng.random() < 0.5:
            from nncc import target as TT

            o = rng.choice(TT.get(target).options)
            opts[o.name] = rng.choice(T.HOSTILE_INT if o.kind == "int" else T.HOSTILE_STR)
        return Case(kind, target, name, data, {k: _opt_text(v) for k, v in opts.items()})
    return Case(kind, target if name in M.SMALL else None, name, data)


# ------------------------------------------------------------------ one input, in a batch child

class Hang(BaseException):
    """An input's CPU time passed CPU_LIMIT (a BaseException: nncc's `except Exception` must not take it)."""


def _on_prof(signum, frame):
    raise Hang()


def _check_lint(case: Case) -> tuple[str, list[str]]:
    from nncc.lint.config import LintConfig
    from nncc.lint.runner import lint_file

    from ._common import _CODE

    res = lint_file(case.name, LintConfig(), data=case.data)
    codes = [d.code for d in res.diagnostics]
    for d in res.diagnostics:
        assert _CODE.match(d.code) and d.message and d.code != "E999", d
    return ("diag" if any(c.startswith("E") for c in codes) else "ok"), codes


def run_case(case: Case) -> tuple[str, list[str]]:
    """('ok' | 'diag', codes); anything else raises."""
    from nncc.diagnostics import CompileError

    from . import test_targets as T
    from ._common import run

    if case.target == "lint":
        return _check_lint(case)
    try:
        res = run(f"long/{case.kind}", case.data, target=case.target, name=case.name, options=case.options or None)
    except CompileError:  # pragma: no cover - run() turns these into None
        raise
    if res is None:
        return "diag", []
    if case.target in T.CHECK:
        T.CHECK[case.target]({k: bytes(v) for k, v in res.files.items()})
    elif case.target == "onnx":
        for v in res.outputs.values():  # drawn as they would be written
            for _ in (v.chunks() if not isinstance(v, bytes) else ()):
                pass
    return "ok", []


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def save_finding(out: str, seed: int, i: int, case: Case | None, what: str, detail: str) -> str:
    d = os.path.join(out, "findings", f"{seed}-{i}" + ("" if what in ("error", "check") else f"-{what}"))
    os.makedirs(d, exist_ok=True)
    if case is not None:
        with open(os.path.join(d, case.name if case.name.endswith((".yaml", ".yml")) else "input.yaml"), "wb") as f:
            f.write(case.data)
    meta = {"seed": seed, "index": i, "what": what, "detail": detail[-20000:],
            "replay": f"python -m tests.fuzz.long_run --replay {seed}:{i}"}
    if case is not None:
        meta.update(kind=case.kind, target=case.target, name=case.name, options=case.options)
    with open(os.path.join(d, "finding.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return d


def fault(what: str) -> tuple[str, list[str]]:
    """What `--inject WHAT:INDEX` runs instead of an input: each failure the run must catch."""
    if what == "hang":
        while True:
            pass
    if what == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if what == "rss":
        block = bytearray(300 << 20)
        block[::4096] = b"x" * len(block[::4096])
        return "ok", []
    raise KeyError(what)


def child(seed: int, lo: int, hi: int, out: str, wfd: int, inject: dict[int, str] | None = None) -> None:
    """Run inputs lo..hi-1, one JSON line per input to wfd (and a start line before each)."""
    signal.signal(signal.SIGPROF, _on_prof)
    os.environ["NNCC_DEBUG"] = "1"  # lint's internal errors raise here instead of becoming E999
    w = os.fdopen(wfd, "w", buffering=1)
    for i in range(lo, hi):
        w.write(json.dumps({"start": i}) + "\n")
        case = make_case(seed, i)
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        cpu0 = _cpu()
        resource.setrlimit(resource.RLIMIT_CPU, (int(cpu0) + 20, hard))  # stuck inside C code: SIGXCPU kills
        rec = {"i": i, "kind": case.kind, "target": case.target}
        try:
            signal.setitimer(signal.ITIMER_PROF, CPU_LIMIT)
            try:
                outcome, codes = fault(inject[i]) if inject and i in inject else run_case(case)
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
            rec.update(outcome=outcome, codes=codes)
        except Hang:
            rec.update(outcome="hang", finding=save_finding(out, seed, i, case, "hang", f"over {CPU_LIMIT} CPU s"))
        except BaseException as e:  # noqa: BLE001 - every other exception is a finding
            what = "check" if isinstance(e, AssertionError) else "error"
            rec.update(outcome=what, error=f"{type(e).__name__}: {str(e)[:300]}",
                       finding=save_finding(out, seed, i, case, what, traceback.format_exc()))
        rec["cpu"] = round(_cpu() - cpu0, 4)
        w.write(json.dumps(rec) + "\n")
    w.close()
    os._exit(0)


# ------------------------------------------------------------------ the warm parent

class Run:
    """The parent's tally of a run, written to OUT/stats.json."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.t0 = time.time()
        self.tried = 0
        self.outcomes: dict[str, Counter] = defaultdict(Counter)  # "kind→target" -> ok/diag/hang/error/check
        self.codes: Counter = Counter()
        self.max_cpu = {"cpu": 0.0, "index": -1}
        self.max_rss = {"mb": 0.0, "batch": [0, 0]}
        self.findings: list[dict] = []
        self.batches = 0
        try:
            import subprocess

            self.commit = os.environ.get("NNCC_FUZZ_COMMIT") or subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                         cwd=os.path.dirname(__file__)).stdout.strip()
        except OSError:
            self.commit = ""
        self.inject = {int(i): what for what, i in (x.split(":") for x in args.inject)}

    def add(self, rec: dict) -> None:
        self.tried += 1
        self.outcomes[f"{rec['kind']}→{rec['target'] or 'front end'}"][rec["outcome"]] += 1
        self.codes.update(rec.get("codes", []))
        if rec.get("cpu", 0) > self.max_cpu["cpu"]:
            self.max_cpu = {"cpu": rec["cpu"], "index": rec["i"]}
        if "finding" in rec:
            self.findings.append({k: rec[k] for k in ("i", "kind", "target", "outcome", "finding") if k in rec} |
                                 {"error": rec.get("error", "")})

    def write(self, final: bool = False) -> dict:
        secs = time.time() - self.t0
        stats = {"seed": self.args.seed, "commit": self.commit, "tried": self.tried, "seconds": round(secs),
                 "rate_per_s": round(self.tried / max(secs, 1e-9), 1), "workers": self.args.workers,
                 "batch": self.args.batch, "max_weight_bytes": self.args.max_weight_bytes, "final": final,
                 "cpu_limit_s": CPU_LIMIT, "rss_limit_mb": RSS_LIMIT_MB, "parent_rss_mb": round(_rss_mb(), 1),
                 "max_cpu_per_input": self.max_cpu, "max_batch_peak_rss": self.max_rss, "batches": self.batches,
                 "outcomes": {k: dict(v) for k, v in sorted(self.outcomes.items())},
                 "codes": dict(self.codes.most_common(40)), "findings": self.findings}
        tmp = os.path.join(self.args.out, "stats.json.tmp")
        with open(tmp, "w") as f:
            json.dump(stats, f, indent=1)
        os.replace(tmp, os.path.join(self.args.out, "stats.json"))
        return stats


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) / 1024 for ln in f if ln.startswith("VmRSS:"))


def _vm_bytes() -> int:
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) * 1024 for ln in f if ln.startswith("VmSize:"))


def warm() -> None:
    """Import everything an input can reach, so that children start warm."""
    import nncc.cli  # noqa: F401
    import nncc.lint.runner  # noqa: F401
    from nncc import target as TT

    from . import test_targets  # noqa: F401

    import importlib
    import pkgutil

    import nncc

    for m in pkgutil.walk_packages(nncc.__path__, "nncc."):  # all of nncc's own modules, from this tree
        if not m.name.startswith(("nncc.importer", "nncc.targets.pytorch", "nncc.demo")):
            try:
                importlib.import_module(m.name)
            except Exception:  # noqa: BLE001 - a module that needs an optional package
                pass
    for t in TARGETS:
        TT.get(t)
    for i in range(2 * len(KINDS) * len(TARGETS)):  # each kind on each target once: lazy imports done
        try:
            run_case(make_case(0, i))
        except BaseException:  # noqa: BLE001 - a finding; the run itself will record it
            pass


def spawn(run: Run, lo: int, hi: int) -> tuple[int, int]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(r)
        try:
            limit = _vm_bytes() + (2 << 30)  # a runaway allocation is a MemoryError, not the machine's memory
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            child(run.args.seed, lo, hi, run.args.out, w, run.inject)
        finally:
            os._exit(3)
    os.close(w)
    return pid, r


def reap(run: Run, pid: int, rfd: int, lo: int, hi: int) -> int:
    """Read a finished child's records; returns the index to go on from (hi, or after the input that killed it)."""
    with os.fdopen(rfd) as f:
        lines = f.read().splitlines()
    _, status, ru = os.wait4(pid, 0)
    last, done = lo, set()
    for ln in lines:
        try:
            rec = json.loads(ln)
        except ValueError:
            continue
        if "start" in rec:
            last = rec["start"]
        else:
            done.add(rec["i"])
            run.add(rec)
    peak = ru.ru_maxrss / 1024
    run.batches += 1
    if peak > run.max_rss["mb"]:
        run.max_rss = {"mb": round(peak, 1), "batch": [lo, hi]}
    if peak > RSS_LIMIT_MB:
        run.findings.append({"i": lo, "outcome": "rss", "error": f"batch {lo}..{hi - 1} peaked at {peak:.0f} MB"})
        if hi - lo > 1:  # which inputs: each again in a child of its own (their records are not counted twice)
            for j in range(lo, hi):
                tally = Run(run.args)
                tally.inject = run.inject
                pid1, fd1 = spawn(tally, j, j + 1)
                reap(tally, pid1, fd1, j, j + 1)
                if tally.max_rss["mb"] > RSS_LIMIT_MB:
                    case = make_case(run.args.seed, j)
                    path = save_finding(run.args.out, run.args.seed, j, case, "rss",
                                        f"peak RSS {tally.max_rss['mb']} MB in a child of its own")
                    run.findings.append({"i": j, "kind": case.kind, "target": case.target, "outcome": "rss",
                                         "finding": path, "error": f"{tally.max_rss['mb']} MB alone"})
    if os.WIFSIGNALED(status) or os.WEXITSTATUS(status) != 0 or (last not in done and last < hi):
        if last in done:  # died between inputs
            last += 1
        if last < hi:
            sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
            what = "hang" if sig == signal.SIGXCPU else "crash"
            detail = f"the batch child ended with {'signal ' + str(sig) if sig else 'status ' + str(os.WEXITSTATUS(status))}"
            case = make_case(run.args.seed, last)
            path = save_finding(run.args.out, run.args.seed, last, case, what, detail)
            run.add({"i": last, "kind": case.kind, "target": case.target, "outcome": what, "finding": path,
                     "error": detail})
            return last + 1
    return hi


# Runs the driver from a snapshot (argv[1]): nncc's editable install is pointed at the snapshot's files
# before anything of nncc is imported, so that a checkout changing under a long run (a rebase) changes
# nothing it reads: modules imported late, templates, grammars.
_BOOT = """
import os, runpy, sys
root = sys.argv[1]
for name, m in list(sys.modules.items()):
    if name.startswith("__editable___nncc") and hasattr(m, "MAPPING"):
        old = os.path.dirname(m.MAPPING["nncc"])
        m.MAPPING.update({k: v.replace(old, root, 1) for k, v in m.MAPPING.items()})
        m.NAMESPACES.update({k: [p.replace(old, root, 1) for p in v] for k, v in m.NAMESPACES.items()})
sys.path.insert(0, root)
sys.argv = ["long_run", *sys.argv[2:]]
runpy.run_module("tests.fuzz.long_run", run_name="__main__")
"""


def snapshot(out: str, argv: list[str]) -> None:
    """Copy the committed tree (git archive HEAD) to OUT/tree and run the driver from it (never returns)."""
    import shutil
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    dest = os.path.abspath(os.path.join(out, "tree"))
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    commit = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    archive = subprocess.run(["git", "-C", root, "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", dest], input=archive, check=True)
    os.environ["NNCC_FUZZ_COMMIT"] = commit
    args = [a for a in argv if a != "--snapshot"]
    os.execv(sys.executable, [sys.executable, "-c", _BOOT, dest, *args])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=1_000_000, help="stop after this many inputs")
    ap.add_argument("--seconds", type=float, default=0, help="stop starting batches after this long (0: no limit)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0, help="first input index")
    ap.add_argument("--workers", type=int, default=2, help="batch children at a time")
    ap.add_argument("--batch", type=int, default=200, help="inputs per child")
    ap.add_argument("--max-weight-bytes", type=int, default=16 << 20,
                    help="nncc's limit on weights and SMAUG input data during the run, which bounds an accepted "
                         "model's output [16 MiB]")
    ap.add_argument("--out", default="build/fuzz-long")
    ap.add_argument("--inject", action="append", default=[], metavar="WHAT:INDEX",
                    help="run a fault (hang, crash, rss, error) instead of input INDEX: the run's own test")
    ap.add_argument("--replay", metavar="SEED:INDEX", help="run one input in this process, with its traceback")
    ap.add_argument("--snapshot", action="store_true",
                    help="run from a copy of the committed tree (OUT/tree), which a checkout or rebase cannot change")
    args = ap.parse_args(argv)
    if args.snapshot:
        snapshot(args.out, sys.argv[1:] if argv is None else argv)
    from nncc.limits import configure

    configure(max_weight_bytes=args.max_weight_bytes)
    if args.replay:
        seed, i = (int(x) for x in args.replay.split(":"))
        case = make_case(seed, i)
        print(f"{case.kind} → {case.target or 'front end'} ({case.name}, options {case.options})")
        sys.stdout.buffer.write(case.data[:4000] + b"\n")
        os.environ["NNCC_DEBUG"] = "1"
        print(run_case(case))
        return 0
    os.makedirs(args.out, exist_ok=True)
    warm()
    run = Run(args)
    nxt, end = args.start, args.start + args.inputs
    running: dict[int, tuple[int, int, int]] = {}  # pid -> (fd, lo, hi)
    last_write = 0.0
    while nxt < end or running:
        while len(running) < args.workers and nxt < end and \
                not (args.seconds and time.time() - run.t0 > args.seconds):
            hi = min(end, nxt + args.batch)
            pid, fd = spawn(run, nxt, hi)
            running[pid] = (fd, nxt, hi)
            nxt = hi
        if not running:
            break
        pid = next(iter(running))  # the oldest; its pipe's EOF is its end
        fd, lo, hi = running.pop(pid)
        resume = reap(run, pid, fd, lo, hi)
        if resume < hi:  # the child died at an input: the rest of its batch in a new child
            pid2, fd2 = spawn(run, resume, hi)
            running[pid2] = (fd2, resume, hi)
        if time.time() - last_write > 10:
            run.write()
            last_write = time.time()
    stats = run.write(final=True)
    print(json.dumps({k: stats[k] for k in ("tried", "seconds", "rate_per_s", "max_cpu_per_input",
                                            "max_batch_peak_rss")}))
    print(f"findings: {len(stats['findings'])} (in {os.path.join(args.out, 'findings')})")
    return 1 if stats["findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
