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
    try:
        os.makedirs(".hypothesis", exist_ok=True)
        with open(os.path.join(".hypothesis", "nncc-fuzz-stats.json"), "w") as f:
            json.dump({"profile": "long" if LONG else "bounded", "seconds": round(time.time() - _T0),
                       "tests": {k: dict(v) for k, v in STATS.items()}, "total": total,
                       "codes": dict(CODES)}, f, indent=1)
    except OSError:
        pass


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")
