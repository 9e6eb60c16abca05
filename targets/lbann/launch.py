"""The launch script (Slurm, Flux, LSF or mpirun) that runs the experiment.

Written as plain text, without a template engine (importing jinja2 cost more than the rest of an
LBANN compile's output). Strings from the model file or the command line pass through
nncc/quoting.py: `shell_word` makes a shell word, `comment` the text of a `#` line. Job name,
partition, account, time and the LBANN executable were checked against their option kinds
(`value_problem`) before the target ran, so the batch directives hold them as they are.
"""
from __future__ import annotations

from nncc.quoting import comment, shell_word
from nncc.target import EmitContext
from nncc.train import TrainConfig

from .refusals import report

# -------------------------------------------------------------------- launch script

# What each launcher's script says before the shared part: how to submit it, and its directives.
_SUBMIT = {"slurm": "job", "flux": "job", "lsf": "job", "mpirun": "run"}
_HOW = {"slurm": "Submit with: sbatch", "flux": "Submit with: flux batch", "lsf": "Submit with: bsub <",
        "mpirun": "Run with: bash"}


def launch_script(ctx: EmitContext, train: TrainConfig, prototext: str, extra: tuple[str, ...] = (),
                  folders: tuple[str, ...] = ()) -> str:
    """`extra`: files written beside the prototext that LBANN reads too (the Python reader's module);
    `folders`: folders of them (--weights' .npy files), copied whole."""
    opts = ctx.options
    d = train.distributed
    nodes = int(d.get("nodes") or 1)
    ppn = int(d.get("procs_per_node") or (len(d["gpus"]) if d.get("gpus") else 1))
    wpg = d.get("workers_per_group")
    ppt = d.get("procs_per_trainer") or wpg
    total = nodes * ppn
    trainers = (total // ppt) if ppt else 1
    if opts.get("reader"):
        args = [f"--model={prototext}", f"--optimizer={prototext}", f"--reader={opts['reader']}"]
    else:
        args = [f"--prototext={prototext}"]
    if ppt:
        args.append(f"--procs_per_trainer={ppt}")
    args += extra_args(ctx)
    launcher = str(opts.get("launcher", "slurm"))
    job = str(opts.get("job_name") or ctx.model.name)
    part, account, time = (str(opts.get(k) or "") for k in ("partition", "account", "time"))
    minutes = _minutes(time)
    head = [f"# {comment(ctx.model.name)}: LBANN training {_SUBMIT[launcher]} written by nncc. "
            f"{_HOW[launcher]} {comment(f'{ctx.stem}.sh')}"]
    sizes = f"# {total} processes: {nodes} node(s) x {ppn}, {trainers} trainer(s)"
    if launcher == "slurm":
        head += [f"#SBATCH --job-name={job}", f"#SBATCH --nodes={nodes}", f"#SBATCH --ntasks={total}",
                 f"#SBATCH --ntasks-per-node={ppn}"]
        head += _given(("#SBATCH --time=", time), ("#SBATCH --partition=", part), ("#SBATCH --account=", account))
        head += [f"#SBATCH --output={job}-%j.out", f"#SBATCH --error={job}-%j.err"]
        run = [sizes, f"srun --nodes={nodes} --ntasks={total} --ntasks-per-node={ppn} \\"]
    elif launcher == "flux":
        head += [f"#flux: --job-name={job}", f"#flux: --nodes={nodes}", f"#flux: --nslots={total}"]
        head += _given(("#flux: --time-limit=", f"{minutes}m" if time else ""), ("#flux: --queue=", part),
                       ("#flux: --bank=", account))
        head += [f"#flux: --output={job}-{{{{id}}}}.out"]
        run = [sizes, f"flux run -u --nodes={nodes} --ntasks={total} --exclusive \\"]
    elif launcher == "lsf":
        head += [f"#BSUB -J {job}", f"#BSUB -nnodes {nodes}"]
        head += _given(("#BSUB -W ", f"{minutes // 60}:{minutes % 60:02d}" if minutes else ""), ("#BSUB -q ", part),
                       ("#BSUB -G ", account))
        head += [f"#BSUB -o {job}-%J.out", f"#BSUB -e {job}-%J.err"]
        run = [sizes.replace(f" x {ppn},", f" x {ppn} (one resource set per node),"),
               f"jsrun --nrs {nodes} --rs_per_host 1 --tasks_per_rs {ppn} --launch_distribution packed \\",
               "  --cpu_per_rs ALL_CPUS --gpu_per_rs ALL_GPUS \\"]
    else:
        head += ["# On more than one node, set HOSTFILE to an MPI host file."]
        run = [sizes, f'mpirun -np {total} --map-by ppr:{ppn}:node ${{HOSTFILE:+--hostfile "$HOSTFILE"}} \\']
    run.append('  "$LBANN"' + "".join(f" {shell_word(a)}" for a in args))
    ws = str(d.get("workspace") or "")
    gpus = ",".join(str(g) for g in d["gpus"]) if d.get("gpus") else ""
    common = ["set -euo pipefail", "",
              "# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).",
              'cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"',
              f'LBANN="${{LBANN:-{opts.get("lbann", "lbann")}}}"']
    if ws:
        common += [f"mkdir -p -- {shell_word(ws)}",
                   ("cp -R --" if folders else "cp --") + "".join(f" {shell_word(f)}" for f in (prototext, *extra, *folders))
                   + f" {shell_word(ws)}/",
                   f"cd -- {shell_word(ws)}"]
    if gpus:
        common.append(f"export CUDA_VISIBLE_DEVICES={shell_word(gpus)}")
    return "\n".join(["#!/bin/bash", *head, *common, "", "", *run]) + "\n"


def _given(*directives: tuple[str, str]) -> list[str]:
    """The directives whose value is set."""
    return [f"{key}{value}" for key, value in directives if value]


def extra_args(ctx: EmitContext) -> list[str]:
    """targets.lbann.args, split as a shell would; LBANN's own options all start with `--`."""
    import shlex

    text = str(ctx.options.get("args") or "")
    try:
        words = shlex.split(text)
    except ValueError as e:
        report(ctx.bag, "args-split", f"targets.lbann.args cannot be split into arguments: {e}", None)
        return []
    bad = [w for w in words if not w.startswith("--")]
    if bad:
        report(ctx.bag, "args-option", f"targets.lbann.args: `{bad[0]}` is not an LBANN option (they start "
               "with --)", None, "write e.g. args: \"--use_data_store --preload_data_store\"")
        return []
    return words


def _minutes(t: str | None) -> int:
    if not t:
        return 0
    parts = [int(p) for p in t.replace("-", ":").split(":")]
    if "-" in t:  # D-HH:MM:SS
        days, rest = parts[0], parts[1:]
    else:
        days, rest = 0, parts
    while len(rest) < 3:
        rest = [0] + rest
    h, m, s = rest[-3:]
    return max(1, days * 1440 + h * 60 + m + (1 if s else 0))
