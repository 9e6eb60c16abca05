"""LBANN's start-up rules (targets/lbann/rules.py): what nncc writes passes each of them, and the
checks can fail — each rule is broken once by hand and must be caught."""
from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from nncc.targets.lbann import lbann_pb2 as pb
from nncc.targets.lbann import rules
from test_lbann import (
    GRAPH,
    NOT_FOR_LBANN,
    SAMPLES,
    compile_text,
    diags,
    kind,
    line_of,
    model,
    parse,
)

from nncc.driver import compile_model

CHECKPOINT = "  callbacks:\n    - checkpoint(every=2, dir=\"ck\")"


def experiment(tmp_path, text: str, **options: str) -> pb.LbannPB:
    return parse(compile_text(tmp_path, text, **options)["m.prototext"])


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.rsplit("/", 1)[1][:-5] not in NOT_FOR_LBANN],
                         ids=lambda s: s.rsplit("/", 1)[1][:-5])
def test_every_sample_passes_lbanns_start_up_rules(sample):
    r = compile_model(sample, "lbann")
    exp = parse(next(v for k, v in r.files.items() if k.endswith(".prototext")))
    assert rules.check(exp) == []


def test_the_rules_are_documented():
    from nncc import gendocs

    assert gendocs.stale(["lbann-rules"]) == [], "run `python -m nncc.gendocs lbann-rules`"
    assert "lbann-rules.md" in (gendocs.DOCS / "targets" / "lbann.md").read_text()


# ---------------------------------------------------------------- what nncc writes, rule by rule

def test_reader_size_every_reader_uses_all_its_data_unless_told(tmp_path):
    exp = experiment(tmp_path, model())
    assert [r.fraction_of_data_to_use for r in exp.data_reader.reader] == [1.0]
    text = model().replace("path: data/mnist\n", "path: data/mnist\n      fraction: 0.25\n", 1)
    assert experiment(tmp_path, text).data_reader.reader[0].fraction_of_data_to_use == 0.25


def test_trainer_callbacks_checkpoint_goes_to_the_trainer(tmp_path):
    exp = experiment(tmp_path, model(extra=CHECKPOINT))
    assert [c.WhichOneof("callback_type") for c in exp.trainer.callback] == ["checkpoint"]
    assert all(c.WhichOneof("callback_type") != "checkpoint" for c in exp.model.callback)


@pytest.mark.parametrize("expr,ops", [
    ("stanh(c)", ["ScaleOperator", "TanhOperator", "ScaleOperator"]),
    ("2.0 / c", ["ReciprocalOperator", "ScaleOperator"]),
])
def test_one_operator_per_operator_layer_chained(tmp_path, expr, ops):
    graph = GRAPH.replace("logits: c |>", f"s: {expr}\n  logits: s |>")
    exp = experiment(tmp_path, model(graph))
    chain = [lay for lay in exp.model.layer if kind(lay) == "operator_layer"]
    assert [lay.operator_layer.ops[0].parameters.type_url.rsplit(".", 1)[1] for lay in chain] == ops
    assert all(len(lay.operator_layer.ops) == 1 for lay in chain)
    assert chain[-1].name == "s" and [list(lay.parents) for lay in chain[1:]] == [[p.name] for p in chain[:-1]]


def test_input_datatype_inputs_stay_in_the_default_type(tmp_path):
    exp = experiment(tmp_path, model(), data_type="double")
    assert {kind(lay) for lay in exp.model.layer if lay.datatype == pb.DOUBLE} >= {"convolution"}
    assert all(lay.datatype == pb.DEFAULT_DATATYPE for lay in exp.model.layer if kind(lay) == "input")


def test_float_layers_fp16_layer_norm_is_refused_at_its_line(tmp_path):
    graph = GRAPH.replace("logits: c |>", "n: layer_norm(c)\n  logits: n |>")
    [d] = [d for d in diags(tmp_path, model(graph), data_type="fp16") if d.is_error]
    assert d.code == "E501" and d.span.line == line_of(model(graph), "layer_norm(")


def test_slice_children_a_slice_read_twice_fans_out_through_identity(tmp_path):
    graph = ("  a: flatten(image)[:, 0:32]\n  b: relu(a)\n  t: tanh(a)\n  s: b + t\n"
             "  logits: linear(s, 10)")
    exp = experiment(tmp_path, model(graph))
    sl = next(lay for lay in exp.model.layer if kind(lay) == "slice")
    assert len(sl.children) == len(sl.slice.slice_points) - 1 == 1
    ident = next(lay for lay in exp.model.layer if lay.name == sl.children[0])
    assert kind(ident) == "identity" and len(ident.children) == 2


def test_cifar10_roles_validate_is_refused_at_its_line(tmp_path):
    text = model().replace("format: mnist", "format: cifar10").replace("f32[N, 1, 28, 28]", "f32[N, 3, 32, 32]")
    text = text.replace("  data:\n", "  data:\n    validate: {format: cifar10, path: data/c10, "
                                      "transforms: ['scale(1.0 / 255)']}\n")
    [d] = [d for d in diags(tmp_path, text) if d.is_error]
    assert d.code == "E510" and "validation_fraction" in d.help and d.span.line == line_of(text, "validate:")


def test_early_stopping_without_validation_data_is_refused(tmp_path):
    text = model(extra="  callbacks:\n    - early_stopping(metric=\"loss\")")
    [d] = [d for d in diags(tmp_path, text) if d.is_error]
    assert d.code == "E510" and d.span.line == line_of(text, "early_stopping")
    held_out = text.replace("path: data/mnist\n", "path: data/mnist\n      validation_fraction: 0.1\n", 1)
    assert rules.check(experiment(tmp_path, held_out)) == []


# ---------------------------------------------------------------- each check can fail

def _break(name: str) -> Callable[[pb.LbannPB], None]:
    def reader_size(e):
        e.data_reader.reader[0].ClearField("fraction_of_data_to_use")

    def trainer_callbacks(e):
        e.model.callback.add().CopyFrom(e.trainer.callback[0])

    def one_operator(e):
        lay = next(lay for lay in e.model.layer if kind(lay) == "operator_layer")
        lay.operator_layer.ops.add().CopyFrom(lay.operator_layer.ops[0])

    def input_datatype(e):
        next(lay for lay in e.model.layer if kind(lay) == "input").datatype = pb.FP16

    def float_layers(e):
        lay = e.model.layer.add(name="ln", datatype=pb.FP16)
        lay.layer_norm.SetInParent()

    def graph(e):
        e.model.layer[0].children.append("nowhere")

    def slice_children(e):
        lay = e.model.layer.add(name="sl")
        lay.slice.slice_points.extend([0, 4, 8])

    def weights(e):
        e.model.layer[2].weights.append("undefined_w")

    def objective(e):
        e.model.objective_function.layer_term[0].layer = "gone"

    def cifar10_roles(e):
        e.data_reader.reader.add(name="cifar10", role="validate", fraction_of_data_to_use=1.0)

    def early_stopping(e):
        e.model.callback.add().early_stopping.patience = 2

    def python_samples(e):  # a complete Python reader, and the model's label input still reads `labels`
        r = e.data_reader.reader.add(name="python", role="test", fraction_of_data_to_use=1.0)
        r.python.module, r.python.sample_function = "m_data", "test_sample"
        r.python.num_samples_function, r.python.sample_dims_function = "test_num_samples", "test_sample_dims"

    return locals()[name.replace("-", "_")]


@pytest.mark.parametrize("rule", [r.name for r in rules.RULES])
def test_each_rule_catches_an_experiment_that_breaks_it(tmp_path, rule):
    graph = GRAPH.replace("logits: c |>", "s: stanh(c)\n  logits: s |>")
    good = experiment(tmp_path, model(graph, extra=CHECKPOINT))
    assert rules.check(good) == []
    bad = copy.deepcopy(good)
    _break(rule)(bad)
    assert rule in {v.rule for v in rules.check(bad)}


def test_reader_size_a_count_and_a_fraction_together_are_caught(tmp_path):
    exp = experiment(tmp_path, model())
    exp.data_reader.reader[0].absolute_sample_count = 100  # LBANN: "exactly one must be zero"
    assert [v.rule for v in rules.check(exp)] == ["reader-size"]
