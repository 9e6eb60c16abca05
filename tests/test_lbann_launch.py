"""The LBANN launch scripts, byte for byte: each launcher with the options that change its text.

The expected scripts in tests/data/lbann/launch/ were written by the jinja2 templates that
targets/lbann/launch.py replaced (issue 22); the plain-text writer must reproduce them exactly.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_lbann import DIST, compile_text, model

EXPECTED = Path(__file__).resolve().parent / "data" / "lbann" / "launch"
WORKSPACE = "  distributed: {nodes: 2, gpus: [0, 1], workspace: \"my ws/$(x)\", workers_per_group: 2}"
SIZES = {"partition": "pbatch", "account": "myacct", "time": "02:30:00"}
NAMES = {"time": "1-02:03:04", "job_name": "jj", "lbann": "/opt/lbann/bin/lbann"}
ARGS = {"args": "--use_data_store --preload_data_store '--x=a b' --y=$(z)"}
LAUNCHERS = ("slurm", "flux", "lsf", "mpirun")

# case: (train.distributed line, target options)
CASES = {
    **{f"{la}_sizes": (DIST, {**SIZES, "launcher": la}) for la in LAUNCHERS},
    **{f"{la}_workspace": (WORKSPACE, {**NAMES, "launcher": la}) for la in LAUNCHERS},
    **{f"{la}_args": ("", {**ARGS, "launcher": la}) for la in LAUNCHERS},
    "mpirun_reader": ("", {"reader": "data_reader_mnist.prototext", "launcher": "mpirun"}),
    "lsf_minutes": ("", {"time": "45", "launcher": "lsf"}),
    "flux_default": ("  distributed: {nodes: 2, procs_per_node: 2, workers_per_group: 2}", {"launcher": "flux"}),
}


def test_every_expected_script_has_a_case():
    assert sorted(p.stem for p in EXPECTED.glob("*.sh")) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_launch_script_bytes(tmp_path, case):
    extra, options = CASES[case]
    text = model(extra=extra)
    if case == "mpirun_reader":
        text = text.replace("format: mnist", "format: record\n      backend: kvfile")
    got = compile_text(tmp_path, text, **options)["m.sh"]
    assert got.decode() == (EXPECTED / f"{case}.sh").read_text()
    if shutil.which("bash"):
        subprocess.run(["bash", "-n"], input=got, check=True)
