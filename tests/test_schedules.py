"""`schedule: [warmup(...), other(...)]`: parsing, diagnostics at line:col, LBANN callbacks, SINGA's E510, summary."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from google.protobuf import text_format
from nncc.targets.lbann import lbann_pb2 as pb
from nncc.targets.singa import job_pb2 as spb
from test_lbann import GRAPH
from test_lbann import model as lbann_model
from test_singa import MLP
from test_singa import compile_text as singa_compile

from nncc.diagnostics import CompileError
from nncc.driver import compile_model, frontend
from nncc.summary import train_text

ROOT = Path(__file__).resolve().parent.parent



def text(schedule: str, opt: str = "sgd(lr=0.1)", length: str = "epochs: 10", mult: str = "") -> str:
    """The LBANN tests' MNIST model at batch size 100 (600 steps per epoch), `schedule:` on its last line."""
    graph = GRAPH.replace("linear(10)", f"linear(10{mult})")
    t = lbann_model(graph=graph, optimizer=opt, extra=f"  schedule: {schedule}")
    assert "  batch_size: 64\n  epochs: 2\n" in t
    return t.replace("  batch_size: 64\n  epochs: 2\n", f"  batch_size: 100\n  {length}\n")


LINE = text("S").splitlines().index("  schedule: S") + 1  # list entries in block style start on the next line


def write(tmp_path: Path, schedule: str, **kw) -> str:
    p = tmp_path / "m.yaml"
    p.write_text(text(schedule, **kw))
    return str(p)


def train_of(tmp_path: Path, schedule: str, **kw):
    return frontend(write(tmp_path, schedule, **kw)).train


def errors(tmp_path: Path, schedule: str, target: str | None = None, **kw) -> list:
    path = write(tmp_path, schedule, **kw)
    with pytest.raises(CompileError) as e:
        if target is None:
            frontend(path)
        else:
            compile_model(path, target)
    return [d for d in e.value.diagnostics if d.is_error]


def the_error(tmp_path: Path, schedule: str, **kw):
    errs = errors(tmp_path, schedule, **kw)
    assert len(errs) == 1, [f"{d.code} {d.span}: {d.message}" for d in errs]
    return errs[0]


def lbann(tmp_path: Path, schedule: str, **kw) -> tuple[pb.LbannPB, list]:
    res = compile_model(write(tmp_path, schedule, **kw), "lbann")
    exp = text_format.Parse(res.files["m.prototext"].decode(), pb.LbannPB())
    return exp, res.frontend.warnings


def callbacks(exp: pb.LbannPB, kind: str) -> list:
    return [getattr(c, kind) for c in exp.model.callback if c.WhichOneof("callback_type") == kind]


def rate_kinds(exp: pb.LbannPB) -> list[str]:
    return [k for c in exp.model.callback if "learning_rate" in (k := c.WhichOneof("callback_type"))]


# ------------------------------------------------------------------ the language

def test_flow_list_is_a_warmup_then_a_schedule(tmp_path):
    # YAML splits a flow list at every comma, so a call with several arguments is quoted there
    t = train_of(tmp_path, '["warmup(steps=1000, start_lr=0.001)", cosine(min_lr=0)]', length="steps: 20000")
    assert t.warmup.name == "warmup" and t.warmup.args["steps"] == 1000 and t.warmup.args["start_lr"] == 0.001
    assert t.warmup.args["epochs"] is None
    assert t.schedule.name == "cosine" and t.schedule.args["min_lr"] == 0.0
    assert (t.warmup.span.line, t.warmup.span.col) == (LINE, 15)
    assert (t.schedule.span.line, t.schedule.span.col) == (LINE, 52)


def test_block_list_and_plain_schedules(tmp_path):
    t = train_of(tmp_path, "\n    - warmup(epochs=2)\n    - multi_step(milestones=[3, 6], gamma=0.5)")
    assert (t.warmup.args["epochs"], t.schedule.name, t.schedule.args["milestones"]) == (2, "multi_step", [3, 6])
    assert (t.schedule.span.line, t.schedule.span.col) == (LINE + 2, 7)
    t = train_of(tmp_path, "cosine(min_lr=0.01)")
    assert t.warmup is None and t.schedule.name == "cosine"
    t = train_of(tmp_path, "[step(every=3)]")  # a one-entry list is that schedule
    assert t.warmup is None and t.schedule.name == "step"
    t = train_of(tmp_path, "[warmup(epochs=2), fixed()]")
    assert t.warmup.name == "warmup" and t.schedule.name == "fixed"


@pytest.mark.parametrize("schedule, code, line, col, words", [
    ("[cosine(min_lr=0), warmup(steps=10)]", "E405", 0, 14, ["must start with warmup", "`cosine`"]),
    ("[step(every=2), cosine()]", "E405", 0, 14, ["must start with warmup", "`step`"]),
    ("[warmup(epochs=1), cosine(), fixed()]", "E405", 0, 42, ["two entries", "has 3"]),
    ("[warmup(epochs=1), warmup(epochs=2)]", "E405", 0, 32, ["warmup is given twice"]),
    ("[warmup(epochs=1), cosin(min_lr=0)]", "E401", 0, 32, ["unknown schedule `cosin`"]),
    ("[wramup(epochs=1), cosine()]", "E401", 0, 14, ["unknown schedule `wramup`"]),
    ("[wramup(epochs=1), warmup(epochs=2)]", "E401", 0, 14, ["unknown schedule `wramup`"]),
    ("[]", "E405", 0, 13, ["empty"]),
    ("[warmup(), cosine()]", "E403", 0, 14, ["`epochs` or `steps`"]),
    ('["warmup(epochs=1, steps=600)", cosine()]', "E402", 0, 32, ["not both"]),
    ("[warmup(epochs=0), cosine()]", "E402", 0, 21, ["at least 1"]),
    ("[warmup(epochs=10), cosine()]", "E402", 0, 21, ["not shorter than training", "10 epochs"]),
    ('\n    - warmup(epochs=1)\n    - step(every=600, unit="step")', "E402", 2, 23,
     ["`step` counts steps", "counts epochs"]),
    ("[warmup(steps=600), step(every=2)]", "E402", 0, 33, ["`step` counts epochs (its default unit)"]),
    ("[warmup(epochs=2), exponential(gamma=0.9)]", "E402", 0, 32, ["`exponential` counts steps (its default"]),
    ('[warmup(epochs=2), "cosine(steps=500, min_lr=0)"]', "E402", 0, 40, ["`cosine` counts steps"]),
    ('[warmup(epochs=2), "fixed_step(steps=[10], values=[0.01])"]', "E402", 0, 33, ["always counts steps"]),
    ("[warmup(steps=1000, start_lr=0.001), cosine()]", "E011", 0, 14, ["YAML split `warmup(steps=1000, …`"]),
])
def test_diagnostics_at_line_and_column(tmp_path, schedule, code, line, col, words):
    d = the_error(tmp_path, schedule)
    assert (d.code, d.span.line, d.span.col) == (code, LINE + line, col), (d.code, str(d.span), d.message)
    for w in words:
        assert w in d.message, d.message


def test_a_flow_list_split_at_commas_is_one_error_over_the_pieces(tmp_path):
    d = the_error(tmp_path, "[warmup(steps=1000, start_lr=0.001), cosine()]")
    assert (d.span.col, d.span.end_col) == (14, 48)  # warmup(steps=1000, start_lr=0.001)
    assert "block style" in d.help


def test_did_you_mean_and_help(tmp_path):
    d = the_error(tmp_path, "[warmup(epochs=1), cosin(min_lr=0)]")
    assert d.help == "did you mean `cosine`?"
    d = the_error(tmp_path, "[cosine(min_lr=0), warmup(steps=10)]")
    assert "put the warm-up first" in d.help
    d = the_error(tmp_path, "[step(every=2), cosine()]")
    assert "[warmup(epochs=…), step(…)]" in d.help


def test_second_warmup_and_mixed_units_point_back_at_the_warmup(tmp_path):
    d = the_error(tmp_path, "[warmup(epochs=1), warmup(epochs=2)]")
    assert [(n.message, n.span.line, n.span.col) for n in d.notes] == [("the first warm-up is here", LINE, 14)]
    d = the_error(tmp_path, "[warmup(steps=600), step(every=2)]")
    assert [(n.span.line, n.span.col, n.span.end_col) for n in d.notes] == [(LINE, 21, 30)]
    assert 'unit="step"' in d.help
    assert (d.span.end_col) == 46  # the whole call: the unit is the default, not written


def test_too_many_entries_in_block_style(tmp_path):
    d = the_error(tmp_path, "\n    - warmup(epochs=1)\n    - cosine()\n    - step(every=2)")
    assert (d.code, d.span.line, d.span.col) == ("E405", LINE + 3, 7)


def test_units_agree_or_are_left_to_the_rest_of_training(tmp_path):
    for s in ["[warmup(steps=600), cosine()]", "[warmup(epochs=1), poly(power=2)]",
              '\n    - warmup(steps=600)\n    - step(every=1200, unit="step")', "[warmup(epochs=1), cosine(epochs=5)]",
              '[warmup(steps=600), "fixed_step(steps=[600], values=[0.01])"]']:
        assert train_of(tmp_path, s).warmup is not None, s


def test_lint_reports_the_same(tmp_path):
    from click.testing import CliRunner

    from nncc.cli import main

    p = write(tmp_path, "[cosine(min_lr=0), warmup(steps=10)]")
    r = CliRunner().invoke(main, ["lint", p])
    assert r.exit_code != 0 and f"{p}:{LINE}:14: error[E405]" in r.output


# ------------------------------------------------------------------ LBANN

def test_lbann_warmup_then_cosine_is_one_cosine_callback_with_its_warmup(tmp_path):
    exp, warns = lbann(tmp_path, '["warmup(steps=1000, start_lr=0.0001)", cosine(min_lr=0.00001)]',
                       opt="adamw(lr=0.001)", length="steps: 20000")
    assert rate_kinds(exp) == ["cosine_decay_learning_rate"]  # linear growth would be overridden every step
    c = callbacks(exp, "cosine_decay_learning_rate")[0]
    assert c.weights == ""
    assert c.lr_max == pytest.approx(0.001)
    assert c.lr_min == pytest.approx(0.00001)
    assert c.initial_warmup_learning_rate == pytest.approx(0.0001)
    assert c.warmup_steps == 1000
    assert c.decay_steps == 19000  # counted from the end of the warm-up, to the end of training
    assert exp.optimizer.adam.learn_rate == pytest.approx(0.0001)  # training starts at start_lr
    assert not warns


def test_lbann_cosine_lengths_in_epochs(tmp_path):
    exp, _ = lbann(tmp_path, "[warmup(epochs=1), cosine()]", length="epochs: 10")
    c = callbacks(exp, "cosine_decay_learning_rate")[0]
    assert (c.warmup_steps, c.decay_steps) == (600, 5400)
    assert c.lr_max == pytest.approx(0.1) and c.initial_warmup_learning_rate == 0.0
    exp, _ = lbann(tmp_path, "[warmup(epochs=1), cosine(epochs=4)]", length="epochs: 10")
    c = callbacks(exp, "cosine_decay_learning_rate")[0]
    assert (c.warmup_steps, c.decay_steps) == (600, 2400)
    exp, _ = lbann(tmp_path, '[warmup(steps=300), "cosine(steps=2000, min_lr=0.01)"]', length="steps: 5000")
    c = callbacks(exp, "cosine_decay_learning_rate")[0]
    assert (c.warmup_steps, c.decay_steps, round(c.lr_min, 6)) == (300, 2000, 0.01)


def test_lbann_cosine_per_learning_rate_multiplier(tmp_path):
    exp, _ = lbann(tmp_path, '["warmup(steps=600, start_lr=0.01)", cosine()]', length="steps: 3000", mult=", b_lr=2")
    cs = sorted(callbacks(exp, "cosine_decay_learning_rate"), key=lambda c: c.lr_max)
    assert len(cs) == 2
    assert [(round(c.lr_max, 6), round(c.initial_warmup_learning_rate, 6)) for c in cs] == [(0.1, 0.01), (0.2, 0.02)]
    assert all(c.weights and (c.warmup_steps, c.decay_steps) == (600, 2400) for c in cs)
    assert cs[0].weights != cs[1].weights


def test_lbann_warmup_then_multi_step_is_linear_growth_and_shifted_drops(tmp_path):
    exp, warns = lbann(tmp_path, "\n    - warmup(epochs=2, start_lr=0.01)\n    - multi_step(milestones=[3, 6], gamma=0.5)",
                       length="epochs: 12")
    assert rate_kinds(exp) == ["linear_growth_learning_rate", "drop_fixed_learning_rate"]
    g = callbacks(exp, "linear_growth_learning_rate")[0]
    assert g.weights == ""
    assert g.target == pytest.approx(0.1)
    assert g.num_epochs == 2
    assert g.delay == 0  # the warm-up starts at once
    d = callbacks(exp, "drop_fixed_learning_rate")[0]
    assert d.weights == ""
    assert list(d.drop_epoch) == [5, 8]  # counted from the end of the warm-up
    assert d.amt == pytest.approx(0.5)
    assert exp.optimizer.sgd.learn_rate == pytest.approx(0.01)
    assert [w.code for w in warns] == ["W502"]  # the staircase (tests/test_lbann_warmup.py)


def test_lbann_warmup_then_step_lists_the_drops_to_the_end_of_training(tmp_path):
    exp, _ = lbann(tmp_path, "[warmup(epochs=2), step(every=3)]", length="epochs: 12")
    assert rate_kinds(exp) == ["linear_growth_learning_rate", "drop_fixed_learning_rate"]
    d = callbacks(exp, "drop_fixed_learning_rate")[0]
    assert list(d.drop_epoch) == [5, 8, 11] and d.amt == pytest.approx(0.1)
    assert not callbacks(exp, "step_learning_rate")  # it counts from epoch 0 and would fire during the warm-up
    exp, _ = lbann(tmp_path, '\n    - warmup(steps=600)\n    - step(every=1200, gamma=0.5, unit="step")',
                   length="steps: 6000")
    g = callbacks(exp, "linear_growth_learning_rate")[0]
    assert g.num_epochs == 1
    d = callbacks(exp, "drop_fixed_learning_rate")[0]
    assert list(d.drop_epoch) == [3, 5, 7, 9] and d.amt == pytest.approx(0.5)
    exp, _ = lbann(tmp_path, '\n    - warmup(epochs=9)\n    - exponential(gamma=0.9, unit="epoch")',
                   length="epochs: 12")
    assert list(callbacks(exp, "drop_fixed_learning_rate")[0].drop_epoch) == [10, 11]


def test_lbann_warmup_then_fixed_and_fixed_step(tmp_path):
    exp, _ = lbann(tmp_path, '["warmup(epochs=3, start_lr=0.02)", fixed()]')
    assert rate_kinds(exp) == ["cosine_decay_learning_rate"]  # the per-step ramp (tests/test_lbann_warmup.py)
    c = callbacks(exp, "cosine_decay_learning_rate")[0]
    assert (c.warmup_steps, round(c.initial_warmup_learning_rate, 6), round(c.lr_max, 6), round(c.lr_min, 6)) == \
        (1800, 0.02, 0.1, 0.1)
    exp, _ = lbann(tmp_path, '[warmup(steps=1200), "fixed_step(steps=[0, 1800], values=[0.1, 0.01])"]')
    assert rate_kinds(exp) == ["linear_growth_learning_rate", "set_learning_rate"]
    s = callbacks(exp, "set_learning_rate")[0]
    assert (s.weights, s.step, round(s.val, 6)) == ("", 5, 0.01)


def test_lbann_step_warmup_not_on_an_epoch_is_rounded_with_a_warning(tmp_path):
    exp, warns = lbann(tmp_path, "\n    - warmup(steps=1000)\n    - multi_step(milestones=[2000], unit=\"step\")",
                       length="epochs: 10")
    assert callbacks(exp, "linear_growth_learning_rate")[0].num_epochs == 2
    assert list(callbacks(exp, "drop_fixed_learning_rate")[0].drop_epoch) == [5]
    # the drop lands on epoch 5 = (1000 + 2000) / 600 exactly; the warm-up is rounded, and climbs per epoch
    assert [w.code for w in warns] == ["W502", "W502"]
    assert "step 1000 is epoch 1.667" in warns[0].message and "at epoch 2" in warns[0].message
    assert "once per epoch" in warns[1].message
    assert all((w.span.line, w.span.col) == (LINE + 1, 7) for w in warns)  # the warm-up


@pytest.mark.parametrize("schedule, kw, words", [
    ("[warmup(epochs=1), poly(power=2)]", {}, ["poly()", "every step", "undo the warm-up"]),
    ('[warmup(steps=600), "inverse(gamma=0.1, power=0.75)"]', {}, ["`inverse` has no LBANN equivalent"]),
    ("\n    - warmup(epochs=1)\n    - multi_step(milestones=[3])", {"mult": ", b_lr=2"}, ["multipliers"]),
    ('\n    - warmup(steps=100)\n    - exponential(gamma=0.9, unit="step")', {}, ["two changes fall in one epoch"]),
])
def test_lbann_inexpressible_chains_are_e510_at_the_schedule(tmp_path, schedule, kw, words):
    errs = errors(tmp_path, schedule, target="lbann", **kw)
    assert len(errs) == 1 and errs[0].code == "E510", errs
    assert errs[0].span.line == LINE + 2 * schedule.startswith("\n")
    for w in words:
        assert w in errs[0].message, errs[0].message
    assert errs[0].help


def test_lbann_unknown_epoch_length_is_e510(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text(text("[warmup(epochs=1), cosine()]", length="epochs: 10").replace("format: mnist", "format: npz"))
    with pytest.raises(CompileError) as e:
        compile_model(str(p), "lbann")
    d = [d for d in e.value.diagnostics if d.code == "E510" and "steps per epoch" in d.message]
    assert d and d[0].span.line == LINE and "dataset_size" in d[0].help


def test_lbann_chained_rates_follow_the_intended_curve(tmp_path):
    """Replay LBANN's documented callback arithmetic on the emitted fields and compare with the chain."""
    exp, _ = lbann(tmp_path, "\n    - warmup(epochs=2, start_lr=0.01)\n    - multi_step(milestones=[3, 6], gamma=0.5)",
                   length="epochs: 12")
    g = callbacks(exp, "linear_growth_learning_rate")[0]
    d = callbacks(exp, "drop_fixed_learning_rate")[0]
    lr = exp.optimizer.sgd.learn_rate
    base, inc, got = lr, (g.target - lr) / g.num_epochs, [lr]
    for epoch in range(1, 12):  # the rate set at the end of `epoch` is used during the next one
        if epoch <= g.num_epochs:
            lr = base + inc * epoch
        if epoch in d.drop_epoch:
            lr *= d.amt
        got.append(lr)
    want = [0.01 + 0.045 * e if e < 2 else 0.1 * 0.5 ** ((e - 2 >= 3) + (e - 2 >= 6)) for e in range(12)]
    assert got == pytest.approx(want)

    exp, _ = lbann(tmp_path, "[warmup(steps=100), cosine(min_lr=0.0)]", opt="adamw(lr=0.001)", length="steps: 1100")
    c = callbacks(exp, "cosine_decay_learning_rate")[0]

    def lbann_cosine(step: int) -> float:
        if step < c.warmup_steps:
            return c.initial_warmup_learning_rate + step / c.warmup_steps * (c.lr_max - c.initial_warmup_learning_rate)
        r = min(step - c.warmup_steps, c.decay_steps) / c.decay_steps
        return c.lr_min + (c.lr_max - c.lr_min) * 0.5 * (1 + math.cos(math.pi * r))

    for step, want in [(0, 0.0), (50, 0.0005), (100, 0.001), (600, 0.0005), (1100, 0.0)]:
        assert lbann_cosine(step) == pytest.approx(want, abs=1e-12), step


# ------------------------------------------------------------------ SINGA

def singa(schedule: str):
    return singa_compile(MLP.format(opt="sgd(lr=0.1)", more=f"  steps: 100\n  schedule: {schedule}"))


SINGA_LINE = MLP.format(opt="", more="  steps: 100\n  schedule: S").splitlines().index("  schedule: S") + 1


def test_singa_cannot_chain_and_says_so_at_the_schedule():
    with pytest.raises(CompileError) as e:
        singa('\n    - warmup(steps=10)\n    - step(every=20, unit="step")')
    errs = [d for d in e.value.diagnostics if d.is_error]
    assert [(d.code, d.span.line, d.span.col) for d in errs] == [("E510", SINGA_LINE + 1, 5)]  # the list
    assert "one learning-rate change method" in errs[0].message and "`step`" in errs[0].message
    assert "schedule: step(…)" in errs[0].help


def test_singa_single_schedule_still_compiles():
    files = singa('step(every=20, unit="step")').files
    job = text_format.Parse(next(v for k, v in files.items() if k.endswith(".conf")).decode(), spb.JobProto())
    assert job.updater.learning_rate.type == spb.kStep and job.updater.learning_rate.step_conf.change_freq == 20


# ------------------------------------------------------------------ summary and samples

def test_summary_shows_the_chain(tmp_path):
    t = train_of(tmp_path, "[warmup(steps=1000), cosine(min_lr=0)]", length="steps: 20000")
    lines = [ln for ln in train_text(t).splitlines() if "schedule:" in ln]
    assert lines == [("  schedule:   warmup(steps=1000, start_lr=0.0), then cosine(min_lr=0.0) "
                      "counted from the end of the warm-up")]
    t = train_of(tmp_path, "cosine(min_lr=0)")
    assert "  schedule:   cosine(min_lr=0.0)" in train_text(t).splitlines()


def test_transformer_sample_warms_up_then_decays(tmp_path):
    sample = str(ROOT / "samples" / "transformer.yaml")
    t = frontend(sample).train
    assert t.warmup.args["steps"] == 1000 and t.schedule.name == "cosine"
    res = compile_model(sample, "lbann")
    exp = text_format.Parse(res.files["transformer.prototext"].decode(), pb.LbannPB())
    c = callbacks(exp, "cosine_decay_learning_rate")
    assert len(c) == 1 and (c[0].warmup_steps, c[0].decay_steps) == (1000, t.steps - 1000)
