"""Every option of every target, and `--seed`, is checked against the range of the field it
goes to: out-of-range, negative, zero, huge and mistyped values are diagnostics (E502 at the
option), never an internal error, never a file written with a value the target cannot hold.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nncc import target as T
from nncc.cli import main
from nncc.diagnostics import CompileError
from nncc.driver import compile_model
from nncc.target import INT32_MAX
from test_injection import BASE, FORMAT

# YAML spellings: negative, zero, int32 and int64 edges, huge, a float, text, empty, null, a list, a map
VALUES = ["-1", "0", "-2147483649", "2147483648", "9223372036854775808", "10**400", "2**64", "1.5", "'x'",
          "''", "null", "[1, 2]", "{a: 1}", "true", json.dumps("x" * 5000)]
CLI_VALUES = ["-1", "0", "2147483648", "18446744073709551616", "1" * 5000, "1.5", "x", "", "nan", "\n"]


def _options() -> list[tuple[str, T.Option]]:
    return [(t, o) for t in T.available() for o in T.get(t).options]


def _compile(tmp_path, target: str, option: str, value: str, cli: dict | None = None) -> list[str]:
    p = tmp_path / "m.yaml"
    p.write_text(BASE.format(name="m", fmt=FORMAT[target], workspace="ws", target=target,
                             options=f"{{{option}: {value}}}"))
    try:
        compile_model(str(p), target, options=cli)
    except CompileError as e:
        return [d.code for d in e.diagnostics]
    return []


@pytest.mark.parametrize("target,opt", _options(), ids=lambda x: getattr(x, "name", x))
def test_every_option_with_hostile_values(tmp_path, target, opt):
    for v in VALUES:
        codes = _compile(tmp_path, target, opt.name, v)  # anything but CompileError fails the test
        assert "E999" not in codes
        if opt.kind == "int" and v not in ("1.5", "'x'", "''", "null", "[1, 2]", "{a: 1}", "true") \
                and not v.startswith('"'):
            n = eval(v)  # noqa: S307 - the test's own integer spellings
            assert ("E502" in codes) == (not opt.lo <= n <= opt.hi), (v, codes)
    for v in CLI_VALUES:
        codes = _compile(tmp_path, target, opt.name, json.dumps(opt.default), cli={opt.name: v})
        assert "E999" not in codes
        if opt.kind == "int":
            fits = v.lstrip("-").isdigit() and len(v) < 30 and opt.lo <= int(v) <= opt.hi
            assert ("E502" in codes) == (not fits), (v, codes)


def test_int_options_say_their_range():
    for t, o in _options():
        if o.kind == "int":
            assert o.lo <= o.default <= o.hi <= 2 ** 62, (t, o.name)
    singa, smaug = T.get("singa"), T.get("smaug")
    assert (singa.option("cd_k").lo, singa.option("cd_k").hi) == (1, INT32_MAX)  # int32 cd_conf.cd_k
    assert (smaug.option("batch").lo, smaug.option("batch").hi) == (1, INT32_MAX)  # int32 dims


@pytest.mark.parametrize("seed,ok", [("-1", False), ("0", True), ("4294967295", True), ("4294967296", False),
                                     ("99999999999999999999999", False)])
def test_seed_range(tmp_path, seed, ok):
    p = tmp_path / "m.yaml"
    p.write_text("nncc: 1\ninputs: {x: 'f32[N, 4]'}\ngraph: {y: 'linear(x, 2)'}\noutputs: [y]\n")
    r = CliRunner().invoke(main, ["compile", str(p), "--seed", seed, "-o", str(tmp_path) + "/"])
    assert r.exit_code == (0 if ok else 2), r.output
    if not ok:
        assert "--seed" in r.output and "Traceback" not in r.output


def test_negative_pad_of_a_symbolic_dim(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("nncc: 1\ninputs: {x: 'f32[N, 4]'}\ngraph: {y: 'pad(x, [-2**62, 0, 0, 0])'}\noutputs: [y]\n")
    with pytest.raises(CompileError) as e:
        compile_model(str(p), "onnx")
    assert [d.code for d in e.value.diagnostics] == ["E202"]


def test_smaug_batch_is_costed_before_the_input_data_is_drawn(tmp_path):
    """found by the long fuzz run: `batch: 2147483647` (in range) drew 20 GB of input data"""
    p = tmp_path / "m.yaml"
    p.write_text("nncc: 1\ninputs: {x: 'f32[N, 4]'}\ngraph: {y: 'linear(x, 2)'}\noutputs: [y]\n"
                 "targets: {smaug: {batch: 2147483647}}\n")
    with pytest.raises(CompileError) as e:
        compile_model(str(p), "smaug")
    assert [d.code for d in e.value.diagnostics] == ["E005"] and "batch" in e.value.diagnostics[0].help
