"""A1 addressing of cells, shared by the guard, the reader, the validator and the annotator."""
from __future__ import annotations

import re


def col_letter(col: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """0-based (row, column) → "D14"."""
    return f"{col_letter(col)}{row + 1}"


_A1 = re.compile(r"^\$?([A-Za-z]{1,7})\$?([0-9]{1,9})$")


def parse_a1(ref: str) -> tuple[int, int] | None:
    """"XFD1048576" → (1048575, 16383), 0-based; None when `ref` is not one cell's reference."""
    m = _A1.match(ref.strip())
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2)) - 1
    return (row, col - 1) if row >= 0 else None
