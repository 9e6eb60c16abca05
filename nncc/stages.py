"""`train.stages`: training in stretches, each with its own optimizer, schedule and frozen weights.

As TorchAssistant's stages: e.g. three epochs that train the head of a model with its backbone
frozen, then every weight with another optimizer. `read_stages` checks the list when the `train`
section is read; `resolve_freeze` matches the `freeze` globs to weight names once shape inference
has made the weights. What a stage means in steps (where it starts, the rate at a step) is
nncc/schedule.py's, like the rest of training's arithmetic.
"""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from . import codes
from .diagnostics import DiagnosticBag, Note, Span, did_you_mean
from .ir import Graph, Weight
from .source import YMap, YNode, YScalar, YSeq
from .train_schema import OPTIMIZERS, STAGE_FIELDS, Stage

if TYPE_CHECKING:
    from .train import TrainReader

EXAMPLE = '- {epochs: 3, freeze: ["stem/*"]}'


def read_stages(r: TrainReader, node: YNode, section_schedule: YNode | None) -> None:
    """Check `train.stages` into `r.cfg.stages`; the section's length becomes the stages' sum."""
    c = r.cfg
    if not isinstance(node, YSeq) or not node.items:
        r.bag.error(codes.WRONG_STRUCTURE, "`stages` must be a list of stages, one mapping each", node.span,
                    f"e.g. {EXAMPLE}")
        return
    stages: list[Stage] = []
    names: dict[str, Span | None] = {}
    for i, item in enumerate(node.items):
        if not isinstance(item, YMap):
            r.bag.error(codes.WRONG_STRUCTURE, "a stage is a mapping of epochs or steps, optimizer, schedule, freeze",
                        item.span, f"e.g. {EXAMPLE}")
            continue
        stage = _stage(r, item, i, section_schedule)
        if stage is None:
            continue
        if stage.name in names:
            r.bag.error(codes.BAD_SETTING, f"two stages are named `{stage.name}`", stage.spans.get("name", item.span),
                        "give each stage its own name", [Note("the first is here", names[stage.name])])
        names[stage.name] = stage.spans.get("name", item.span)
        stages.append(stage)
    if len(stages) == len(node.items):
        c.stages = stages
        _section_length(r, stages)


def _stage(r: TrainReader, item: YMap, i: int, section_schedule: YNode | None) -> Stage | None:
    c = r.cfg
    before = r.bag.errors + r.bag.more
    vals, spans = r._fields(item, STAGE_FIELDS, f"stages[{i}]")
    name = vals.get("name") or f"stage{i + 1}"
    epochs, steps = vals.get("epochs"), vals.get("steps")
    if not {"epochs", "steps"} & {k.value for k, _ in item.items}:
        r.bag.error(codes.MISSING_SETTING, f"stage `{name}` needs its length: `epochs` or `steps`", item.span,
                    "e.g. {epochs: 3, …}")
    elif epochs is not None and steps is not None:
        r.bag.error(codes.BAD_SETTING, f"stage `{name}`: give `epochs` or `steps`, not both", spans["steps"])
    if "optimizer" in vals:
        optimizer = r._config(vals["optimizer"], OPTIMIZERS, "optimizer")
    else:
        optimizer = c.optimizer
        if optimizer is None and "optimizer" not in c.spans:
            r.bag.error(codes.MISSING_SETTING, f"stage `{name}` needs an `optimizer`: the train section gives none",
                        item.span, "give the stage one (optimizer: sgd(lr=0.1)), or give train.optimizer for all")
    if "schedule" in vals:
        warmup, schedule = r._schedule(vals["schedule"], epochs, steps, f"stage `{name}`")
    else:  # the section's schedule, run over the stage: its warm-up must fit in it too
        warmup, schedule = c.warmup, c.schedule
        if warmup is not None and isinstance(section_schedule, YSeq):
            r._warmup_length(section_schedule.items[0], warmup, (epochs, steps), f"stage `{name}`")
    freeze = _globs(r, vals["freeze"], name) if "freeze" in vals else []
    if r.bag.errors + r.bag.more > before:
        return None
    return Stage(name, epochs, steps, optimizer, schedule, warmup, freeze, [], item.span, spans)


def _globs(r: TrainReader, node: YNode, stage: str) -> list[tuple[str, Span | None]]:
    """`freeze: "stem/*"` or a list of such globs (plain strings)."""
    items = node.items if isinstance(node, YSeq) else [node]
    out: list[tuple[str, Span | None]] = []
    for it in items:
        if not isinstance(it, YScalar) or not it.tag.endswith(":str") or not it.value.strip():
            r.bag.error(codes.BAD_SETTING, f"stage `{stage}`: `freeze` takes weight names or globs such as \"stem/*\"",
                        it.span, 'write freeze: ["stem/*", "s1/*"] (a glob starting with * needs quotes in YAML)')
            continue
        out.append((it.value, it.span))
    return out


def _section_length(r: TrainReader, stages: list[Stage]) -> None:
    """All stages count in one unit; the training length is their sum (a given `epochs`/`steps` must agree)."""
    c = r.cfg
    unit = "epochs" if stages[0].epochs is not None else "steps"
    for st in stages[1:]:
        own = "epochs" if st.epochs is not None else "steps"
        if own != unit:
            r.bag.error(codes.BAD_SETTING, f"stage `{st.name}` counts {own} but stage `{stages[0].name}` counts {unit}; "
                        "all stages count in one unit", st.spans.get(own, st.span), f"give every stage its {unit}",
                        [Note(f"the first stage counts {unit} here", stages[0].spans.get(unit, stages[0].span))])
            return
    total = sum(st.length for st in stages)
    other = "steps" if unit == "epochs" else "epochs"
    given = getattr(c, unit)
    if getattr(c, other) is not None:
        r.bag.error(codes.BAD_SETTING, f"train.{other} is given but the stages count {unit}", c.spans.get(other),
                    f"leave train.{other} out: training lasts the stages' sum ({total} {unit})")
    elif given is not None and given != total:
        r.bag.error(codes.BAD_SETTING, f"train.{unit} is {given} but the stages add up to {total} {unit}",
                    c.spans.get(unit), f"leave train.{unit} out, or make it {total}")
    setattr(c, unit, total)


def _names(w: Weight) -> list[str]:
    """What a freeze glob is matched against: the weight's name, its layer's, and the lines and blocks
    that hold the layer (`s1/b0/conv2d.weight`: also `s1/b0/conv2d`, `s1/b0`, `s1`)."""
    if w.owner is None:
        return [w.name]
    parts = w.owner.name.split("/")
    return [w.name, *("/".join(parts[:k]) for k in range(len(parts), 0, -1))]


def resolve_freeze(stages: list[Stage], g: Graph, bag: DiagnosticBag) -> None:
    """Each stage's `freeze` globs to the trainable weights they match (see `_names`).

    A glob that matches nothing, or a stage that would freeze every trainable weight, is E402.
    """
    weights = [w for w in g.weights() if w.trainable and w.share is None]
    for st in stages:
        frozen: list[str] = []
        for glob, span in st.freeze:
            hits = [w.name for w in weights if any(fnmatchcase(name, glob) for name in _names(w))]
            if not hits:
                layers = list(dict.fromkeys(w.owner.name for w in weights if w.owner is not None))
                guess = did_you_mean(glob, layers)
                bag.error(codes.BAD_SETTING, f"stage `{st.name}`: freeze `{glob}` matches no trainable weight", span,
                          f"did you mean `{guess}`?" if guess else
                          "a glob matches a weight's name LAYER.ROLE, its LAYER, or a line or block that holds it; "
                          "layers with weights: "
                          + ", ".join(layers[:8]) + (", …" if len(layers) > 8 else ""))
            frozen += [h for h in hits if h not in frozen]
        if weights and len(frozen) == len(weights):
            bag.error(codes.BAD_SETTING, f"stage `{st.name}` freezes every trainable weight, so it would train nothing",
                      st.spans.get("freeze", st.span), "leave some weights out of `freeze`, or drop the stage")
        order = {w.name: k for k, w in enumerate(weights)}  # the graph's order, whatever the globs' order
        st.frozen = sorted(frozen, key=order.__getitem__)
