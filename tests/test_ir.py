"""The IR's edit API and use-lists (torch.fx's model), and that the compiler's work grows linearly.

After every edit each value's `users` are exactly the nodes that read it and
`Graph.lint()` holds; an erase of a node that is still used is refused; a node in
a graph changes only through the graph. The scaling tests count work (Python
function calls, under cProfile) rather than time: compiling a chain twice as long
must cost about twice as much (a quadratic step would cost four times).
"""
from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

import pytest

from nncc.driver import compile_model
from nncc.ir import Graph, IRError, Node, TensorType, Value
from nncc.limits import override

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chains import chain_model

F = TensorType("f32", ("N", 4))


def node(op: str, name: str, *ins: Value) -> Node:
    return Node(op, name, list(ins), outputs=[Value(name, F)])


def users(v: Value) -> list[str]:
    return sorted(u.name for u in v.users)


def base() -> tuple[Graph, Value, Node, Node]:
    x = Value("x", F)
    a = node("relu", "a", x)
    b = node("tanh", "b", a.output)
    g = Graph("g", inputs=[x], nodes=[a, b], outputs=[b.output])
    g.lint()
    return g, x, a, b


def test_use_lists_follow_every_edit():
    g, x, a, b = base()
    assert users(x) == ["a"] and users(a.output) == ["b"] and users(b.output) == []
    c = g.insert_before(b, node("add", "c", x, a.output))
    assert users(x) == ["a", "c"] and users(a.output) == ["b", "c"] and [n.name for n in g.nodes] == ["a", "c", "b"]
    g.lint()
    g.set_input(b, 0, c.output)
    assert users(a.output) == ["c"] and users(c.output) == ["b"]
    g.lint()
    d = g.insert_after(c, node("mul", "d", c.output, c.output))  # reads c twice: one user entry
    assert users(c.output) == ["b", "d"] and len(c.output.users) == 2
    g.set_input(d, 0, x)
    assert users(c.output) == ["b", "d"]  # d still reads c through its second input
    g.set_input(d, 1, x)
    assert users(c.output) == ["b"] and users(x) == ["a", "c", "d"]
    g.lint()
    assert g.replace_all_uses_with(c.output, a.output) == 1
    assert users(c.output) == [] and users(a.output) == ["b", "c"] and b.inputs == (a.output,)
    g.lint()
    g.erase(c)
    assert users(x) == ["a", "d"] and users(a.output) == ["b"] and c.graph is None and len(g.nodes) == 3
    g.lint()
    assert g.replace_all_uses_with(b.output, a.output) == 1  # graph outputs follow too
    assert g.outputs == (a.output,) and g.is_output(a.output) and not g.is_output(b.output)
    g.erase(b)
    g.erase(d)
    g.lint()
    assert [n.name for n in g.nodes] == ["a"] and g.consumers(x) == [a]


def test_erase_refuses_a_used_node():
    g, x, a, b = base()
    with pytest.raises(IRError, match="a is still used by b"):
        g.erase(a)
    with pytest.raises(IRError, match="b is a graph output"):
        g.erase(b)
    with pytest.raises(IRError, match="x: it is used by a"):
        g.remove_input(x)
    g.lint()  # nothing changed
    assert [n.name for n in g.nodes] == ["a", "b"] and users(a.output) == ["b"]


def test_nodes_in_a_graph_change_only_through_it():
    g, x, a, b = base()
    with pytest.raises(IRError, match="Graph.set_inputs"):
        b.inputs = [x]
    with pytest.raises(TypeError):
        b.inputs[0] = x  # type: ignore[index]  (a tuple)
    with pytest.raises(IRError, match="Graph.set_outputs"):
        a.outputs = [Value("z", F)]
    with pytest.raises(IRError, match="already in a graph"):
        g.append(a)
    with pytest.raises(IRError, match="not in graph"):
        g.erase(node("relu", "stray", x))
    with pytest.raises(AttributeError):
        g.nodes = []  # type: ignore[misc]
    g.lint()


def test_set_outputs_moves_values_between_producers():
    """What fusion does: the first node of a chain takes over the last one's outputs (names downstream stay)."""
    g, _, a, b = base()
    c = g.append(node("relu", "c", b.output))
    g.set_outputs(c, c.outputs)  # no change
    with pytest.raises(IRError, match="cannot drop its output a"):
        g.set_outputs(a, b.outputs)
    g.set_inputs(b, ())
    g.set_outputs(a, b.outputs)  # a now produces `b`; its own output had no user left
    assert b.outputs == () and a.outputs[0].name == "b" and a.output.producer is a and users(a.output) == ["c"]
    g.erase(b)
    g.lint()
    assert [n.name for n in g.nodes] == ["a", "c"]


def test_order_edits_and_the_node_list_view():
    g, x, a, b = base()
    c = g.append(node("relu", "c", x))
    g.move_before(c, a)
    assert [n.name for n in g.nodes] == ["c", "a", "b"] and g.nodes[0] is c and g.nodes[-1] is b
    assert [n.name for n in reversed(g.nodes)] == ["b", "a", "c"] and a in g.nodes and len(g.nodes) == 3
    g.lint()
    g.move_before(b, a)  # b reads a: the order is now wrong, and lint says so
    with pytest.raises(IRError, match="not in topological order"):
        g.lint()
    g.move_before(a, b)
    seen = []
    for n in g.nodes:  # erasing the node an iterator stands on is safe
        seen.append(n.name)
        if n is c:
            g.erase(c)
    assert seen == ["c", "a", "b"] and [n.name for n in g.nodes] == ["a", "b"]
    assert c.stamp < a.stamp or c.stamp > b.stamp  # stamps count insertions, not positions
    g.lint()


# ---------------------------------------------------------------- work grows linearly

def calls(shape: str, blocks: int, target: str, level: int) -> int:
    """Python function calls to compile the chain (deterministic: no time involved)."""
    data = chain_model(shape, blocks).encode()
    with override(max_repeat=10 ** 6, max_nodes=10 ** 7):
        compile_model("chain.yaml", target, data=data, opt_level=level, emit=False)  # warm caches (parser)
        prof = cProfile.Profile()
        prof.enable()
        compile_model("chain.yaml", target, data=data, opt_level=level, emit=False)
        prof.disable()
    return pstats.Stats(prof).total_calls  # type: ignore[attr-defined]


@pytest.mark.parametrize("shape, target, level", [
    ("identity", "onnx", 1),   # was quadratic in fuse (58 s at n = 8,000)
    ("cbr", "onnx", 2),        # was quadratic: batch norm folds rescanned the graph
    ("cbr", "smaug", 2),       # fuse + insert-layouts
    ("linear", "lbann", 1),
])
def test_compile_work_is_linear(shape, target, level):
    small, large = calls(shape, 400, target, level), calls(shape, 1600, target, level)
    ratio = large / small
    assert 3.5 < ratio < 4.4, f"4x the chain cost {ratio:.2f}x the work"  # n^2 would be 16x


def test_fuse_visits_each_node_a_bounded_number_of_times(monkeypatch):
    """The worklist driver tries patterns at O(1) nodes per node and per rewrite, whatever the length."""
    from nncc.passes import fuse as fuse_mod

    counted = []
    real = fuse_mod.match

    def counting(g, p, start):
        counted.append(start)
        return real(g, p, start)

    monkeypatch.setattr(fuse_mod, "match", counting)
    per_node = []
    for blocks in (500, 2000):
        counted.clear()
        with override(max_repeat=10 ** 6):
            r = compile_model("c.yaml", "onnx", data=chain_model("identity", blocks).encode(), opt_level=1,
                              emit=False)
        assert len(r.frontend.graph.nodes) == 3  # every identity removed
        per_node.append(len(counted) / blocks)
    assert per_node[1] <= per_node[0] * 1.05 and per_node[1] < 4
