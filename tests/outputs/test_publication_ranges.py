"""What a reader can infer of a hidden count (publication.value_range, README "Publication-safe tables"):
shown counts exactly, "≤10" counts within 1..10, "x" counts either 0 or above 10. Two base cells a and
b and their total, each range worked by hand; the tables of the other tests are too large to tell one
bound of this model from another.

Found by the mutation run of publication.py (`make mutate`, README "Mutation testing"): a "≤10" count
from 2 (`lo.append(1)` → 2), an "x" count that may be 1 (`hi.append(0)` → 1), or above 9, above 11, or
anything (`-(threshold + 1)` → `-(threshold - 1)`, `-(threshold + 2)`, `+(threshold + 1)`) all left the
suite green; each fails a case here.
"""
from __future__ import annotations

import numpy as np
import pytest

from pipelines.outputs.publication import Cell, Grid, suppress, value_range

A = Cell(("E", "u1", "Q1"), (0,), 0)
B = Cell(("E", "u2", "Q1"), (1,), 0)


def total(value: int) -> Cell:
    return Cell(("E", "ALL", "Q1"), (0, 1), value)


def grid() -> Grid:
    return Grid("E", [("u1", 1), ("u2", 1)], np.zeros(2, dtype=np.int64))


@pytest.mark.parametrize("shown_total, small, other, target, expected", [
    # a, b both "≤10", a + b = 3: a is 1 or 2 (b 2 or 1)
    (3, [A, B], [], A, (1, 2)),
    # a "≤10", b "x", a + b = 12: b cannot be 0 (a would be 12) nor 1..10, so b = 11 and a = 1: pinned
    (12, [A], [B], A, (1, 1)),
    (12, [A], [B], B, (11, 11)),
    # a "≤10", b "x", a + b = 5: b cannot be above 10, so b = 0 and a = 5
    (5, [A], [B], A, (5, 5)),
    # a "≤10", b "x", a + b = 15: b = 0 would make a 15; b is 11 … 14, a 1 … 4
    (15, [A], [B], A, (1, 4)),
    (15, [A], [B], B, (11, 14)),
])
def test_the_range_a_reader_can_infer(shown_total, small, other, target, expected):
    lo, hi = value_range(grid(), [total(shown_total)], small, other, target, threshold=10)
    assert (round(lo), round(hi)) == expected


def test_a_count_that_can_take_two_values_is_protected_enough():
    """Threshold 2 (a plan may set it): a = 1 and b = 2 are "≤2", their total 3 is shown. a is 1 or 2 and
    b the rest: neither is pinned, nothing more is hidden (mutants `hi - lo >= 1 - 1e-9` → `>= 2` and
    `1 + 1e-9` hid the total too)."""
    a, b = Cell(("E", "u1", "Q1"), (0,), 1), Cell(("E", "u2", "Q1"), (1,), 2)
    g = Grid("E", [("u1", 1), ("u2", 1)], np.array([1, 2], dtype=np.int64), [a, b, Cell(("E", "ALL", "Q1"), (0, 1), 3)])
    assert value_range(g, [g.cells[2]], [a, b], [], a, threshold=2) == (1, 2)
    assert suppress(g, threshold=2) == {a.key: "small", b.key: "small"}


def test_the_smallest_count_above_the_threshold_is_hidden_first():
    """a = 1 ("≤10") is pinned by b = 11 and a + b = 12. Of the two shown counts that hold a, a + b = 12
    and a + c = 30, the smaller is hidden ("x"): then a is free (a + c = 30 with c unknown) and nothing
    more is needed. Hiding 30 first (mutant `min(candidates, …)` → `max`) still leaves a pinned, and
    hides 12 as well: one count more than needed."""
    cells = [Cell(("E", "u1", "Q1"), (0,), 1), Cell(("E", "u2", "Q1"), (1,), 11),
             Cell(("E", "X", "Q1"), (0, 1), 12), Cell(("E", "Y", "Q1"), (0, 2), 30)]
    g = Grid("E", [("u1", 1), ("u2", 1), ("u3", 1)], np.array([1, 11, 29], dtype=np.int64), cells)
    assert suppress(g, threshold=10) == {("E", "u1", "Q1"): "small", ("E", "X", "Q1"): "other"}


def test_a_zero_is_hidden_last():
    """Hiding a 0 as "x" tells a reader little ("x" is 0 or above the threshold), so zeros are the last
    choice. s = a + z = 3 ("≤10", a = 3, z = 0) is pinned by z = 0, c = 20 and a + c = 23; the shown
    counts sharing its base cells are z = 0, z + c = 20 and a + c = 23: 20 and 23 are hidden, never the
    0 (mutants `c.value == 0` → `!=` and `== 1`, which put zeros first, hide it)."""
    key = lambda name: ("E", name, "Q1")  # noqa: E731
    cells = [Cell(key("S"), (0, 1), 3), Cell(key("A"), (0,), 3), Cell(key("Z"), (1,), 0), Cell(key("C"), (2,), 20),
             Cell(key("AC"), (0, 2), 23), Cell(key("ZC"), (1, 2), 20)]
    g = Grid("E", [("a", 1), ("z", 1), ("c", 1)], np.array([3, 0, 20], dtype=np.int64), cells)
    hidden = suppress(g, threshold=10)
    assert hidden[key("S")] == hidden[key("A")] == "small"
    assert key("Z") not in hidden and hidden[key("ZC")] == hidden[key("AC")] == "other"
