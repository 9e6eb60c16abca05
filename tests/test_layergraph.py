"""What the layer-graph targets share (nncc/layergraph.py): unique layer names, in linear work."""
from __future__ import annotations

from nncc import codes
from nncc.layergraph import Names, Unsupported


class CountingSet(set):
    lookups = 0

    def __contains__(self, x) -> bool:
        CountingSet.lookups += 1
        return super().__contains__(x)


def test_names_follow_each_targets_rule():
    lbann = Names(lambda s: s.replace("/", "_"))
    assert [lbann.fresh(b) for b in ["a/b", "a_b", "a_b", "c"]] == ["a_b", "a_b_1", "a_b_2", "c"]
    singa = Names(first=2, reserved=("data",))
    assert [singa.fresh(b) for b in ["data", "ip", "ip", "data"]] == ["data_2", "ip", "ip_2", "data_3"]


def test_a_taken_suffix_is_skipped():
    n = Names()
    assert [n.fresh(b) for b in ["x_1", "x", "x", "x"]] == ["x_1", "x", "x_2", "x_3"]


def test_naming_is_linear():
    """10,000 layers after one base: each name costs O(1) lookups (it was a scan from _1 each time)."""
    for count in (1_000, 10_000):
        n = Names()
        n.taken = CountingSet()
        CountingSet.lookups = 0
        names = [n.fresh("conv") for _ in range(count)]
        assert len(set(names)) == count
        assert CountingSet.lookups <= 3 * count


def test_unsupported_defaults_to_a_setting():
    e = Unsupported("no such field")
    assert (e.msg, e.span, e.help, e.code) == ("no such field", None, None, codes.UNSUPPORTED_SETTING)
