"""Hypothesis profiles for the fuzz tests, and a count of the inputs each test tried.

* default (`make test`): a bounded number of examples per test, the whole folder in well
  under a minute on two cores;
* NNCC_FUZZ=long (`make fuzz`): many examples per test (NNCC_FUZZ_EXAMPLES overrides the
  count in either profile).

The counts are printed at the end of the run and written to .hypothesis/nncc-fuzz-stats.json.
"""
from __future__ import annotations

import collections
import json
import os
import resource
import time

import pytest
from hypothesis import HealthCheck, Phase, settings

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                     HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
settings.register_profile("bounded", max_examples=int(os.environ.get("NNCC_FUZZ_EXAMPLES", 100)), **_COMMON)
settings.register_profile("long", max_examples=int(os.environ.get("NNCC_FUZZ_EXAMPLES", 5_000)), **_COMMON)
settings.register_profile("replay", max_examples=1, phases=[Phase.explicit, Phase.reuse], **_COMMON)
LONG = os.environ.get("NNCC_FUZZ", "") == "long"
settings.load_profile("long" if LONG else os.environ.get("NNCC_FUZZ_PROFILE", "bounded"))

# per test: inputs tried, inputs nncc accepted, inputs rejected with diagnostics
STATS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
CODES: collections.Counter = collections.Counter()
_T0 = time.time()


# the slowest input (CPU seconds of one compile, never wall time) and where the process's memory peaked
SLOWEST: dict = {"cpu": 0.0, "test": "", "input": b""}
CPU_LIMIT = 2.0  # CPU seconds one input may take in a long run (issue 17: "no hang over 2 s")


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) / 1024 for ln in f if ln.startswith("VmHWM:"))


_RSS0 = peak_rss_mb()


def timed(test: str, cpu: float, data: bytes) -> None:
    """Keep the slowest input; in a long run, one over CPU_LIMIT fails the test that made it."""
    if cpu > SLOWEST["cpu"]:
        SLOWEST.update(cpu=cpu, test=test, input=data[:2000])
    assert not LONG or cpu < CPU_LIMIT, f"{test}: one input took {cpu:.2f} CPU s: {data[:500]!r}"


def record(test: str, outcome: str, codes: list[str] | None = None) -> None:
    STATS[test][outcome] += 1
    STATS[test]["tried"] += 1
    for c in codes or []:
        CODES[c] += 1


def pytest_terminal_summary(terminalreporter):
    if not STATS:
        return
    tr = terminalreporter
    tr.write_sep("-", "nncc fuzz: inputs tried per test (accepted / diagnostics)")
    total = 0
    for name, c in sorted(STATS.items()):
        total += c["tried"]
        tr.write_line(f"{name:<48} {c['tried']:>8} ({c['ok']} / {c['diag']})")
    tr.write_line(f"{'total':<48} {total:>8}   in {time.time() - _T0:.0f} s")
    top = ", ".join(f"{k}×{v}" for k, v in CODES.most_common(12))
    tr.write_line(f"most frequent codes: {top}")
    tr.write_line(f"slowest input: {SLOWEST['cpu']:.3f} CPU s ({SLOWEST['test']}); peak RSS of the process "
                  f"{peak_rss_mb():.0f} MB ({_RSS0:.0f} MB when the fuzz tests started)")
    try:
        os.makedirs(".hypothesis", exist_ok=True)
        with open(os.path.join(".hypothesis", "nncc-fuzz-stats.json"), "w") as f:
            json.dump({"profile": "long" if LONG else "bounded", "seconds": round(time.time() - _T0),
                       "slowest_cpu": round(SLOWEST["cpu"], 3), "slowest_test": SLOWEST["test"],
                       "peak_rss_mb": round(peak_rss_mb()), "start_rss_mb": round(_RSS0),
                       "tests": {k: dict(v) for k, v in STATS.items()}, "total": total,
                       "codes": dict(CODES)}, f, indent=1)
    except OSError:
        pass


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")
