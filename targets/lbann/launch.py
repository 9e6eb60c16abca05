"""The launch script (Slurm, Flux or mpirun) that runs the experiment."""
from __future__ import annotations

from nncc.quoting import script_env
from nncc.target import EmitContext
from nncc.train import TrainConfig

# -------------------------------------------------------------------- launch script

def launch_script(ctx: EmitContext, train: TrainConfig, prototext: str) -> str:
    from importlib import resources

    opts = ctx.options
    d = train.distributed
    nodes = int(d.get("nodes") or 1)
    ppn = int(d.get("procs_per_node") or (len(d["gpus"]) if d.get("gpus") else 1))
    wpg = d.get("workers_per_group")
    ppt = d.get("procs_per_trainer") or wpg
    total = nodes * ppn
    if opts.get("reader"):
        args = [f"--model={prototext}", f"--optimizer={prototext}", f"--reader={opts['reader']}"]
    else:
        args = [f"--prototext={prototext}"]
    if ppt:
        args.append(f"--procs_per_trainer={ppt}")
    args += extra_args(ctx)
    launcher = opts.get("launcher", "slurm")
    root = resources.files("nncc.templates")
    env = script_env(lambda name: root.joinpath(*name.split("/")).read_text("utf-8"))
    return env.get_template(f"lbann/{launcher}.sh.j2").render(
        model=ctx.model.name, script=f"{ctx.stem}.sh", job_name=opts.get("job_name") or ctx.model.name, nodes=nodes, procs_per_node=ppn,
        procs=total, procs_per_trainer=ppt, trainers=(total // ppt) if ppt else 1,
        partition=opts.get("partition", ""), account=opts.get("account", ""), time=opts.get("time", ""),
        lbann=opts.get("lbann", "lbann"), args=args, prototext=prototext, workspace=d.get("workspace") or "",
        gpus=",".join(str(g) for g in d["gpus"]) if d.get("gpus") else "", time_minutes=_minutes(opts.get("time")))


def extra_args(ctx: EmitContext) -> list[str]:
    """targets.lbann.args, split as a shell would; LBANN's own options all start with `--`."""
    import shlex

    from nncc import codes

    text = str(ctx.options.get("args") or "")
    try:
        words = shlex.split(text)
    except ValueError as e:
        ctx.bag.error(codes.BAD_TARGET_OPTION, f"targets.lbann.args cannot be split into arguments: {e}", None)
        return []
    bad = [w for w in words if not w.startswith("--")]
    if bad:
        ctx.bag.error(codes.BAD_TARGET_OPTION, f"targets.lbann.args: `{bad[0]}` is not an LBANN option (they start "
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
