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
