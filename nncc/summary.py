"""`nncc summary`: a per-layer table like Keras' model.summary(), and the training setup."""
from __future__ import annotations

from typing import Any

from .driver import compile_model, frontend
from .ir import Graph
from .ops import REGISTRY, has
from .passes import PassManager
from .train import TrainConfig


def layer_rows(g: Graph) -> list[tuple[str, str, str, int, int]]:
    rows = []
    seen: set[int] = set()
    for n in g.nodes:
        if has(n.op, "constant"):
            continue
        params = 0
        for w in n.weights.values():
            if id(w) in seen or w.share is not None:
                continue
            seen.add(id(w))
            params += w.ttype.numel()
        fl = 0
        fn = REGISTRY[n.op].flops
        if fn is not None and all(v.type is not None for v in n.inputs + n.outputs):
            fl = int(fn([v.ttype for v in n.inputs], [v.ttype for v in n.outputs], n.attrs))
        shape = ", ".join(str(v.type) for v in n.outputs)
        rows.append((n.name, n.op, shape, params, fl))
    return rows


def _human(n: float) -> str:
    for unit, div in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= div:
            return f"{n / div:.2f}{unit}"
    return str(int(n))


def table(g: Graph) -> str:
    rows = layer_rows(g)
    heads = ("layer", "op", "output", "params", "FLOPs")
    w = [max(len(heads[i]), *(len(str(r[i])) for r in rows)) if rows else len(heads[i]) for i in range(3)]
    w.append(max(6, *(len(f"{r[3]:,}") for r in rows)) if rows else 6)
    w.append(max(7, *(len(_human(r[4])) for r in rows)) if rows else 7)
    sep = "─" * (sum(w) + 8)
    lines = [f"model {g.name}", sep,
             f"{heads[0]:<{w[0]}}  {heads[1]:<{w[1]}}  {heads[2]:<{w[2]}}  {heads[3]:>{w[3]}}  {heads[4]:>{w[4]}}",
             sep]
    for name, op, shape, p, fl in rows:
        lines.append(f"{name:<{w[0]}}  {op:<{w[1]}}  {shape:<{w[2]}}  {p:>{w[3]},}  {_human(fl):>{w[4]}}")
    lines.append(sep)
    total = sum(r[3] for r in rows)
    trainable = sum(wt.ttype.numel() for wt in g.weights() if wt.trainable and wt.share is None)
    flops = sum(r[4] for r in rows if REGISTRY[r[1]].kind == "layer")  # training heads are not the forward pass
    size = sum(wt.ttype.numel() * 4 for wt in g.weights() if wt.share is None)
    lines.append(f"inputs: {', '.join(f'{v.name}: {v.type}' for v in g.inputs)}")
    lines.append(f"outputs: {', '.join(f'{v.name}: {v.type}' for v in g.outputs)}")
    lines.append(f"total params: {total:,} ({trainable:,} trainable, {total - trainable:,} non-trainable); "
                 f"{size / 2 ** 20:.2f} MiB as f32")
    lines.append(f"FLOPs per sample (forward): {_human(flops)}")
    return "\n".join(lines)


def train_text(cfg: TrainConfig) -> str:
    out = ["training"]

    def cfg_str(c) -> str:
        args = ", ".join(f"{k}={v}" for k, v in c.args.items() if v is not None)
        return f"{c.name}({args})"

    if cfg.losses:
        out.append("  loss:       " + ", ".join(f"{n.op}({', '.join(v.name for v in n.inputs)})" for n in cfg.losses))
    for name, n in cfg.metrics.items():
        out.append(f"  metric:     {name} = {n.op}({', '.join(v.name for v in n.inputs)})")
    if cfg.optimizer:
        out.append(f"  optimizer:  {cfg_str(cfg.optimizer)}")
    if cfg.warmup and cfg.schedule:
        out.append(f"  schedule:   {cfg_str(cfg.warmup)}, then {cfg_str(cfg.schedule)} "
                   "counted from the end of the warm-up")
    elif cfg.schedule:
        out.append(f"  schedule:   {cfg_str(cfg.schedule)}")
    length = f"{cfg.epochs} epochs" if cfg.epochs else f"{cfg.steps} steps" if cfg.steps else "(unset)"
    out.append(f"  batch size: {cfg.batch_size}; length: {length}")
    for st in cfg.stages:
        unit = "epochs" if st.epochs is not None else "steps"
        sched = (f"{cfg_str(st.warmup)}, then " if st.warmup else "") + (cfg_str(st.schedule) if st.schedule else "fixed()")
        frozen = f"; frozen: {len(st.frozen)} weights ({', '.join(g for g, _ in st.freeze)})" if st.freeze else ""
        opt = cfg_str(st.optimizer) if st.optimizer else "(none)"
        out.append(f"  stage {st.name}: {st.length} {unit}; {opt}; {sched}{frozen}")
    for k, v in cfg.settings.items():
        if k not in ("batch_size", "epochs", "steps"):
            out.append(f"  {k + ':':<11} {v}")
    for role, d in cfg.data.items():
        tr = ", ".join(cfg_str(t) for t in d.transforms)
        fields = ", ".join(f"{k}={v}" for k, v in d.fields.items() if v is not None)
        out.append(f"  data {role + ':':<6} {fields}" + (f"; transforms: {tr}" if tr else ""))
    if cfg.callbacks:
        out.append("  callbacks:  " + ", ".join(cfg_str(c) for c in cfg.callbacks))
    if cfg.distributed:
        out.append("  distributed: " + ", ".join(f"{k}={v}" for k, v in cfg.distributed.items()))
    return "\n".join(out)


def summarize(path: str, defines: dict[str, str] | None = None, target: str | None = None,
              data: bytes | None = None, passes: PassManager | None = None, stats: list | None = None,
              **compile_kw: Any) -> str:
    """The table and training setup; with a target, as it sees the graph (compile_kw: options,
    opt_level and pass flags for compile_model). The passes' statistics are added to `stats`."""
    if target:
        from . import target as T

        t = T.get(target)
        summ = getattr(t, "summary", None) if t is not None else None
        res = compile_model(path, target, defines=defines, data=data, emit=summ is not None, **compile_kw)
        if stats is not None:
            stats.extend(res.stats)
        if summ is not None:
            return summ(res)
        fe = res.frontend
    else:
        fe = frontend(path, defines, data, passes)
        if stats is not None and passes is not None:
            stats.extend(passes.stats)
    text = table(fe.graph)
    if fe.train is not None:
        text += "\n\n" + train_text(fe.train)
    return text
