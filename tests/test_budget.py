"""One budget for all work (nncc/limits.py), each part checked before the work it bounds, and
shown here by counting work, not by timing it: evaluation steps, characters after alias
expansion, the number of diagnostics, linear naming, excerpts from an index built once,
suggestions from a bounded candidate set, and YAML nodes counted once however deep.
"""
from __future__ import annotations

import pytest

from nncc import limits
from nncc.diagnostics import (EXCERPT_WIDTH, SUGGEST_FROM, CompileError, Diagnostic, Sources, Span, did_you_mean,
                              render_text)
from nncc.driver import frontend
from nncc.elaborate import Elaborator
from nncc.model import read_model
from nncc.source import load_yaml

HEAD = "nncc: 1\nmodel: m\ninputs:\n  x: f32[N, 4]\n"


def _elaborate(tmp_path, text: str) -> tuple[Elaborator, CompileError | None]:
    p = tmp_path / "m.yaml"
    p.write_text(text)
    el = Elaborator(read_model(str(p)))
    try:
        el.run()
        el.bag.raise_if_errors()
    except CompileError as e:
        return el, e
    return el, None


def doubling(levels: int, op: str = "b{j}(b{j}(x))") -> str:
    blocks = "".join(f"  b{i}(x):\n    return: {op.format(j=i + 1)}\n" for i in range(levels))
    return HEAD + f"blocks:\n{blocks}  b{levels}(x):\n    return: x\ngraph:\n  y: b0(x)\noutputs: [y]\n"


def test_block_calls_are_costed_before_they_run(tmp_path):
    el, err = _elaborate(tmp_path, doubling(40))
    assert err is not None and err.diagnostics[0].code == "E005" and "evaluation steps" in err.diagnostics[0].message
    assert el.steps < 10  # refused from the blocks' text, before the first call
    el, err = _elaborate(tmp_path, doubling(10))  # 2^10 calls: within the budget, and evaluated
    assert err is None and 1024 < el.steps < 10_000
    with limits.override(max_steps=1000):
        el, err = _elaborate(tmp_path, doubling(10))
        assert err is not None and el.steps < 10


def test_repeat_is_costed_after_its_first_copy(tmp_path):
    blocks = "".join(f"  b{i}(x):\n    return: b{i + 1}(b{i + 1}(x))\n" for i in range(9))
    text = HEAD + f"blocks:\n{blocks}  b9(x):\n    return: x\ngraph:\n  y: x |> repeat(10000, b0)\noutputs: [y]\n"
    el, err = _elaborate(tmp_path, text)
    assert err is not None and "repeat(10000, b0) would take" in err.diagnostics[0].message
    assert el.steps < 2 * 1500


class CountingSet(set):
    probes = 0

    def __contains__(self, x):
        CountingSet.probes += 1
        return super().__contains__(x)


@pytest.mark.parametrize("n", [1000, 4000])
def test_naming_is_linear(tmp_path, n, monkeypatch):
    """Each name costs O(1) probes: `_unique` resumes after the last suffix it gave, `_rename`
    looks a node's position up instead of scanning the line's nodes."""
    text = HEAD + "graph:\n  y: concat([" + ", ".join(["relu(x)"] * n) + "], axis=1)\noutputs: [y]\n"
    p = tmp_path / "m.yaml"
    p.write_text(text)
    el = Elaborator(read_model(str(p)))
    el.names_used = CountingSet(el.names_used)
    CountingSet.probes = 0
    el.run()
    assert len(el.graph.nodes) == n + 1
    assert CountingSet.probes <= 4 * n, CountingSet.probes


def test_names_are_the_smallest_free_suffix(tmp_path):
    el, err = _elaborate(tmp_path, HEAD + "graph:\n  a: relu(relu(x))\n  b: add(relu(x), relu(x))\noutputs: [a, b]\n")
    assert err is None
    assert [n.name for n in el.graph.nodes] == ["a/relu", "a", "b/relu", "b/relu_1", "b"]


def test_diagnostics_stop_after_the_limit(tmp_path):
    text = HEAD + "graph:\n" + "".join(f"  l{i}: relu(unknown{i})\n" for i in range(1000)) + "outputs: [l0]\n"
    p = tmp_path / "m.yaml"
    p.write_text(text)
    with pytest.raises(CompileError) as e:
        frontend(str(p))
    assert len(e.value.diagnostics) == 100 and e.value.stopped
    with limits.override(max_diagnostics=7):
        with pytest.raises(CompileError) as e:
            frontend(str(p))
    assert len(e.value.diagnostics) == 7


def test_cli_says_how_many_more(tmp_path):
    from click.testing import CliRunner

    from nncc.cli import main

    p = tmp_path / "m.yaml"
    p.write_text("nncc: 1\nparams: {" + ", ".join(f"p{i}: [{i}]" for i in range(300)) + "}\n" + HEAD[8:] +
                 "graph:\n  y: relu(x)\noutputs: [y]\n")
    r = CliRunner().invoke(main, ["compile", str(p), "-o", str(tmp_path) + "/"])
    assert r.exit_code == 1
    assert r.output.count("error[E011]") == 100 and "... and 200 more errors" in r.output
    assert "300 errors" in r.output


def test_excerpts_index_each_file_once_and_cut_long_lines():
    text = "a: " + "x" * 100_000 + "\nb: 1\n"
    src = Sources({"f.yaml": text})
    calls = []
    real = str.find

    class Spy(str):
        def find(self, *a):
            calls.append(1)
            return real(self, *a)

    src.texts["f.yaml"] = Spy(text)
    out = [render_text(Diagnostic("E001", "bad", Span("f.yaml", 1, 50_000, 1, 50_003)), src) for _ in range(50)]
    assert len(calls) <= 3  # the line index, built once for fifty diagnostics
    line = out[0].splitlines()[2]
    assert len(line) <= EXCERPT_WIDTH + 10 and line.count("…") == 2
    caret = out[0].splitlines()[3]  # "  | " then the caret under column 50,000, shown EXCERPT_WIDTH // 4 in
    assert line.startswith("1 | …") and caret.index("^") == len("1 | …") + EXCERPT_WIDTH // 4
    assert caret.count("^") == 3


def test_escape_sequences_never_reach_the_terminal(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text('nncc: 1\n"bad\\e[31mkey": 1\n' + HEAD[8:] + "graph:\n  y: relu(x)\noutputs: [y]\n")
    with pytest.raises(CompileError) as e:
        frontend(str(p))
    text = "\n".join(render_text(d, Sources({str(p): p.read_text()})) for d in e.value.diagnostics)
    assert "\x1b" not in text and "\\x1b" in text


def test_suggestions_come_from_a_bounded_set():
    seen = 0

    def names():
        nonlocal seen
        for i in range(1_000_000):
            seen += 1
            yield f"n{i:06d}"

    assert did_you_mean("n000001x", names()) == "n000001"
    assert seen <= SUGGEST_FROM
    assert did_you_mean("x" * 65, ["x" * 64]) is None


def test_yaml_node_limit_counts_what_aliases_add():
    """Nodes written out in the file are bounded by its size (max_file_bytes), not by the node limit, so a
    long model is legal under any limit (issue 22); what aliases add is counted, each node once however deep."""
    nested = "[" * 60 + ", ".join(["1"] * 1000) + "]" * 60
    with limits.override(max_yaml_nodes=1000):
        load_yaml("m.yaml", "params: {" + ", ".join(f"p{i}: {i}" for i in range(55_000)) + "}\n")
        load_yaml("m.yaml", f"doc: {nested}\n")
        load_yaml("m.yaml", "a: &n [1, 2]\nb: *n\nc: *n\n")  # aliases add 6 nodes
        with pytest.raises(CompileError) as e:
            load_yaml("m.yaml", f"a: &n {nested}\nb: *n\n")  # one alias adds 1,060
        assert e.value.diagnostics[0].code == "E005" and "aliases expand" in e.value.diagnostics[0].message


def test_graph_node_limit_counts_what_blocks_and_repeat_make():
    """max_nodes bounds the nodes that blocks and repeat make (what a bomb multiplies); lines written out do
    not count against it."""
    head = "nncc: 1\nmodel: m\ninputs:\n  x: f32[N, 4]\n"
    written = head + "graph:\n" + "".join(f"  l{i}: relu({'x' if i == 0 else f'l{i - 1}'})\n" for i in range(40)) \
        + "outputs: [l39]\n"
    repeated = head + "graph:\n  y: x |> repeat(25, relu)\noutputs: [y]\n"
    blocks = head + "blocks:\n  b(v):\n    return: v |> relu |> tanh |> relu\ngraph:\n" + \
        "".join(f"  l{i}: b({'x' if i == 0 else f'l{i - 1}'})\n" for i in range(10)) + "outputs: [l9]\n"
    with limits.override(max_nodes=20):
        assert len(frontend("w.yaml", data=written.encode()).graph.nodes) == 40
        for text, words in ((repeated, "repeat(25, relu) would expand to 25 nodes"),
                            (blocks, "blocks and repeat expand to more than 20 nodes")):
            with pytest.raises(CompileError) as e:
                frontend("m.yaml", data=text.encode())
            assert e.value.diagnostics[0].code == "E005" and words in e.value.diagnostics[0].message


def test_aliases_count_their_characters():
    text = 'a: &e "' + "y" * 50_000 + '"\nb: [' + ", ".join(["*e"] * 400) + "]\n"
    with pytest.raises(CompileError) as e:
        load_yaml("m.yaml", text)
    assert e.value.diagnostics[0].code == "E005" and "characters" in e.value.diagnostics[0].message
    with limits.override(max_yaml_chars=2 ** 26):
        load_yaml("m.yaml", text)
