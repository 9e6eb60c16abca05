"""`nncc train`: write the PyTorch project into the run directory and run its train.py, streaming its output."""
from __future__ import annotations

import os
import subprocess
import sys

from nncc.driver import compile_model
from nncc.output import write_files

from .emit import processes


def train(path: str, run_dir: str, *, resume: bool = True, defines: dict[str, str] | None = None,
          options: dict[str, str] | None = None, seed: int = 0, weights: str | None = None,
          weights_map: str | None = None, weights_partial: bool = False, dummy: int | None = None,
          threads: int | None = None) -> int:
    """Compile `path` to RUN_DIR/project and train there; the exit code is the run's.

    A run directory that holds a checkpoint continues from it unless `resume` is false.
    Raises CompileError (diagnostics) before anything runs when the model has errors.
    """
    from nncc.cli_weights import report_loaded

    res = compile_model(path, "pytorch", defines=defines, options=options, seed=seed, weights=weights,
                        weights_map=weights_map, weights_partial=weights_partial)
    report_loaded(res.loaded, weights or "", weights_partial, path)
    project = os.path.join(run_dir, "project")
    write_files({os.path.join(project, name): data for name, data in res.outputs.items()})
    nodes, ppn = processes(res.frontend.train)
    args = [os.path.join(project, "train.py"), "--run-dir", run_dir, "--resume" if resume else "--no-resume"]
    if dummy:
        args += ["--dummy", str(dummy)]
    if threads:
        args += ["--threads", str(threads)]
    if nodes * ppn > 1 and nodes == 1:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={ppn}", *args]
    else:
        cmd = [sys.executable, *args]  # several nodes: slurm.sh in the project starts them
    return subprocess.call(cmd)
