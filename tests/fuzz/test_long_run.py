"""The long-run driver (long_run.py): inputs made again from seed and index, every kind on every target,
and each failure it exists to catch — a hang, a crash, a peak of memory, an exception — caught."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from .long_run import KINDS, TARGETS, make_case

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_inputs_are_made_again_from_seed_and_index():
    for i in range(0, 3 * len(KINDS), 5):
        assert make_case(7, i) == make_case(7, i)
    assert make_case(7, 0) != make_case(8, 0)


def test_every_kind_meets_every_target_and_lint():
    seen = {(c.kind, c.target) for c in (make_case(3, i) for i in range(len(KINDS) * len(TARGETS)))}
    assert {t for k, t in seen if k == "options"} == set(TARGETS)
    assert {t for k, t in seen if k == "bytes"} <= set(TARGETS) | {None} and ("lint", "lint") in seen
    assert {t for k, t in seen if k == "chains"} == {"lbann", "singa", "smaug"}


def test_the_run_records_each_failure_as_a_finding(tmp_path):
    r = subprocess.run([sys.executable, "-m", "tests.fuzz.long_run", "--inputs", "8", "--batch", "4", "--workers", "1",
                        "--inject", "hang:1", "--inject", "crash:2", "--inject", "rss:5", "--inject", "error:6",
                        "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["final"] and stats["tried"] == 8
    found = {(f["i"], f["outcome"]) for f in stats["findings"]}
    assert {(1, "hang"), (2, "crash"), (5, "rss"), (6, "error")} <= found, found
    assert not found - {(1, "hang"), (2, "crash"), (4, "rss"), (5, "rss"), (6, "error")}, found  # 4: its batch
    for i, what in ((1, "-hang"), (2, "-crash"), (5, "-rss"), (6, "")):  # one folder per input and failure
        meta = json.loads((tmp_path / "findings" / f"1-{i}{what}" / "finding.json").read_text())
        assert meta["replay"].endswith(f"--replay 1:{i}") and meta["kind"] == KINDS[i]
    assert stats["max_batch_peak_rss"]["mb"] > 300
    counts = sum(sum(v.values()) for v in stats["outcomes"].values())
    assert counts == 8
