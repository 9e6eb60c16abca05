"""The IR verifier: a deliberately broken IR is caught by each of its branches.

`verify` = `Graph.lint()` (structure: order, use-lists, definitions, producers,
names) + every value typed. Each case below breaks one invariant of a valid graph
(by reaching past the edit API, as a buggy pass would) and names the message the
verifier must give. `test_a_no_op_verifier_is_caught` is the mutation test: with
`verify` (or `Graph.lint`) replaced by a no-op, every case must fail.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest

from nncc.diagnostics import DiagnosticBag
from nncc.ir import Graph, Init, IRError, Node, TensorType, Value, Weight
from nncc.passes import PassContext, PassManager
from nncc.passes import verify as verify_mod
from nncc.passes.contracts import PostconditionError, PreconditionError

F = TensorType("f32", ("N", 4))


def chain() -> tuple[Graph, Value, Node, Node]:
    """x → relu a → tanh b; output b. Valid and typed."""
    x = Value("x", F)
    a = Node("relu", "a", [x], outputs=[Value("a", F)])
    b = Node("tanh", "b", [a.output], outputs=[Value("b", F)])
    return Graph("g", inputs=[x], nodes=[a, b], outputs=[b.output]), x, a, b


def _dup_node(g, x, a, b): b.name = "a"
def _dup_value(g, x, a, b): b.output.name = "a"
def _undefined(g, x, a, b): b._inputs = (Value("ghost", F),)
def _missing_use(g, x, a, b): del a.output.users[b]
def _stale_user(g, x, a, b): x.users[b] = None
def _backpointer(g, x, a, b): a.output.index = 3
def _input_producer(g, x, a, b): x.producer = b
def _output_undefined(g, x, a, b):
    g._outputs.append(Value("nowhere", F))
    g._out_count[g._outputs[-1]] = 1
def _output_index(g, x, a, b): g._out_count.clear()
def _count(g, x, a, b): g._len += 1
def _broken_link(g, x, a, b): b._prev = b


def _dangling(g, x, a, b):
    g.set_inputs(b, [x])
    g.erase(a)
    b._inputs = (a.output,)
    a.output.users[b] = None


def _order(g, x, a, b):
    g.move_before(b, a)


def _twice(g, x, a, b):
    a._next = a
    a._prev = a
    g._root._next = a


def _untyped_input(g, x, a, b): x.type = None
def _untyped_output(g, x, a, b): a.output.type = None


def _symbolic_weight(g, x, a, b):
    a.weights["weight"] = Weight("a.weight", TensorType("f32", ("N", 4)), "weight", Init("constant"))


# (break the graph, what the verifier says); the first group are Graph.lint's branches
CASES: dict[str, tuple[Callable[..., None], str]] = {
    "duplicate node name": (_dup_node, "duplicate node name a"),
    "duplicate value name": (_dup_value, "duplicate value name a"),
    "undefined input": (_undefined, "b reads ghost, which nothing defines"),
    "dangling value": (_dangling, "producer a is not in the graph (dangling value)"),
    "topological order": (_order, "b reads a before a defines it"),
    "use-list misses a user": (_missing_use, "use-list of a misses its user b"),
    "use-list names a non-user": (_stale_user, "use-list of x names b, which does not read it"),
    "producer back-pointer": (_backpointer, "a does not point back at its producer a"),
    "graph input with a producer": (_input_producer, "graph input x has a producer"),
    "graph output undefined": (_output_undefined, "graph output nowhere, which nothing defines"),
    "graph output index": (_output_index, "output index disagrees"),
    "node count": (_count, "counts 3 nodes but holds 2"),
    "broken links": (_broken_link, "node list is broken"),
    "node listed twice": (_twice, "is in the node list twice"),
    "untyped input": (_untyped_input, "input x has no type"),
    "untyped output": (_untyped_output, "a has no type"),
    "weight without a static type": (_symbolic_weight, "weight a.weight has no static type"),
}
LINT_CASES = list(CASES)[:14]


def check_case(name: str) -> None:
    """The case's broken graph is refused by `verify`, with the case's message."""
    g, x, a, b = chain()
    verify_mod.verify(g)  # valid before
    breaker, message = CASES[name]
    breaker(g, x, a, b)
    with pytest.raises(verify_mod.VerifyError) as e:
        verify_mod.verify(g, after="a buggy pass")
    assert message in str(e.value) and str(e.value).endswith("after a buggy pass"), str(e.value)


@pytest.mark.parametrize("name", list(CASES))
def test_verifier_catches(name):
    check_case(name)


@pytest.mark.parametrize("name", LINT_CASES)
def test_lint_catches(name):
    g, x, a, b = chain()
    g.lint()
    CASES[name][0](g, x, a, b)
    with pytest.raises(IRError, match=CASES[name][1].split(" after")[0][:20]):
        g.lint()


def test_a_no_op_verifier_is_caught(monkeypatch):
    """Mutation test: with verify a no-op every case fails, and with lint a no-op every structural case does."""
    def survivors(skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
        alive = []
        for name in CASES:
            if name in skip:
                continue
            try:
                check_case(name)
            except (AssertionError, pytest.fail.Exception):
                continue
            alive.append(name)
        return alive

    assert survivors() == list(CASES)  # the real verifier passes every case
    with monkeypatch.context() as m:
        m.setattr(verify_mod, "verify", lambda g, after="": None)
        assert survivors() == []
    with monkeypatch.context() as m:
        m.setattr(Graph, "lint", lambda self: None)
        # (a node listed twice makes the list a cycle: without lint, walking it would never end)
        assert [n for n in survivors(skip={"node listed twice"}) if n in LINT_CASES] == []


def test_verify_each_runs_the_verifier_after_every_pass(monkeypatch):
    """A pass that leaves a broken IR is stopped by --verify-each, naming the pass."""
    from nncc.passes import PASSES, Pass, PassResult

    def buggy(g, ctx):
        n = next(iter(g.nodes))
        n.output.users.clear()  # forgets its users: what splicing Graph.nodes by hand used to risk
        return PassResult(True, 1)

    monkeypatch.setitem(PASSES, "buggy", Pass("buggy", buggy))
    g, *_ = chain()
    ctx = PassContext(bag=DiagnosticBag())
    with pytest.raises(verify_mod.VerifyError, match="misses its user b after buggy"):
        PassManager(["buggy"], verify_each=True).run(g, ctx)
    g, *_ = chain()
    PassManager(["buggy"]).run(g, ctx)  # not checked without verify_each


def test_contracts_run(monkeypatch):
    """requires is checked before a pass and ensures after it, as executable predicates."""
    from nncc.passes import PASSES, Pass, PassResult

    monkeypatch.setitem(PASSES, "needs-types", Pass("needs-types", lambda g, ctx: PassResult(False),
                                                    requires=("typed",)))
    monkeypatch.setitem(PASSES, "claims-clean", Pass("claims-clean", lambda g, ctx: PassResult(False),
                                                     ensures=("no-dead-code",)))
    g, x, *_ = chain()
    x.type = None
    with pytest.raises(PreconditionError, match="needs-types requires `typed`: input x has no type"):
        PassManager(["needs-types"], verify_each=True).run(g, PassContext(bag=DiagnosticBag()))
    g, x, *_ = chain()
    dead = Node("relu", "dead", [x], outputs=[Value("dead", F)])
    g.append(dead)
    with pytest.raises(PostconditionError, match="claims-clean should ensure `no-dead-code`: dead"):
        PassManager(["claims-clean"], verify_each=True).run(g, PassContext(bag=DiagnosticBag()))
    PassManager(["dce", "claims-clean"], verify_each=True).run(g, PassContext(bag=DiagnosticBag()))
    assert [n.name for n in g.nodes] == ["a", "b"]
