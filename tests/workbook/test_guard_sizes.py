"""The guard's size bounds at their edges (README "Hostile and broken files": over 20 MB refused
unread; a zip inflating past 64 MB refused from what it declares). Found untested by the mutation
run of guard.py (`make mutate`): MAX_FILE_BYTES 20 → 21 MB, MAX_INFLATED_BYTES 64 → 65 MB and `>` → `>=`
on both survived; each fails a case here.
"""
from test_guard import _deflate, _zeros_member, _zip

from pipelines.workbook import guard

MB = 1 << 20


def codes(result):
    return [p.code for p in result.problems if p.level == "error"]


def test_twenty_megabytes_is_read_one_byte_more_is_not():
    assert guard.MAX_FILE_BYTES == 20 * MB
    at = guard.check(b"PK\x03\x04" + bytes(20 * MB - 4), "a.xlsx")
    assert "too_large" not in codes(at)                       # read (and found broken), not refused unread
    over = guard.check(b"PK\x03\x04" + bytes(20 * MB - 3), "a.xlsx")
    assert codes(over) == ["too_large"]


def _book(sheet_mb: int, declared: int) -> bytes:
    members = [(n, *_deflate(b)) for n, b in (("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>"))]
    small = sum(len(b) for b in (b"<Types/>", b"<workbook/>"))
    members.append(_zeros_member("xl/worksheets/sheet1.xml", sheet_mb, declared - small))
    return _zip(members)


def test_sixty_four_megabytes_inflated_is_within_the_bound_one_byte_more_is_not():
    assert guard.MAX_INFLATED_BYTES == 64 * MB
    # exactly 64 MB declared: not refused for its size (this hand-made zip is refused as broken, for
    # the few bytes its sheet inflates beyond what it declares, after the size check has passed)
    within = guard.check(_book(64, 64 * MB), "a.xlsx")
    assert codes(within) == ["unreadable"], [p.message for p in within.problems]
    over = guard.check(_book(64, 64 * MB + 1), "a.xlsx")
    assert codes(over) == ["hostile"]
    assert "vượt giới hạn 64 MB (nghi là bom nén)" in over.problems[0].message


def test_a_member_is_inflated_no_further_than_the_budget_left():
    """`_inflate_bounded` stops as soon as a member passes its declared size *or* what is left of the
    64 MB (its docstring). Through `guard.check` the budget never bites (the declared sizes are checked
    to add up to 64 MB at most first, and zipfile yields no more than a member declares), so it is
    called here alone: 3 MB of zeros, honestly declared, with 2 MB left, then 3 MB left. Mutants
    `min(info.file_size, budget)` → `max` and the over-budget `return None, None, False` → `True`
    survived the mutation run of guard.py; each fails here."""
    import io
    import zipfile
    zf = zipfile.ZipFile(io.BytesIO(_zip([_zeros_member("xl/worksheets/sheet1.xml", 3)])))
    (info,) = zf.infolist()
    assert info.file_size == 3 * MB
    assert guard._inflate_bounded(zf, info, 2 * MB, keep=True) == (None, None, False)
    size, body, dtd = guard._inflate_bounded(zf, info, 3 * MB, keep=True)
    assert (size, body, dtd) == (3 * MB, bytes(3 * MB), False)
