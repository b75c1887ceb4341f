"""Jobs for the sandbox's child in tests: each does, for real, what a hostile file can make a reader
do (abort in native code, allocate without bound, never return, raise). Run only in the child:
`sandbox.read_workbook(..., target="tests.hostile_targets:NAME")`."""
import io
import os
import time


def abort(data: bytes, request: dict) -> dict:
    os.abort()


def hog(data: bytes, request: dict) -> dict:
    chunks = []
    while True:
        chunks.append(bytearray(64 << 20))


def sleep(data: bytes, request: dict) -> dict:
    time.sleep(3600)
    return {}


def fail(data: bytes, request: dict) -> dict:
    raise RuntimeError("an English library message that must not reach a user")


def calamine_unguarded(data: bytes, request: dict) -> dict:
    """What the reader did before the guard measured used ranges: a dense grid of the whole range."""
    import python_calamine
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return {"workbook": None, "problems": []}
