"""The one home of the time rule: the store keeps naive UTC; people give and read the plan's local
time (Asia/Ho_Chi_Minh for Đức Phổ). A moment given without an offset is the plan's local time,
whoever gives it (the command line, the upload page, the loader, the metrics)."""
from __future__ import annotations

import datetime as dt

UTC = dt.timezone.utc


def utcnow() -> dt.datetime:
    """Naive UTC, the form every TIMESTAMP column holds."""
    return dt.datetime.now(UTC).replace(tzinfo=None)


def aware(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """`moment` with an offset: a naive one is read as local time in `tz`."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def to_utc_naive(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """For the store: a naive moment is local time in `tz`; the result is naive UTC."""
    return aware(moment, tz).astimezone(UTC).replace(tzinfo=None)


def from_utc_naive(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """From the store: naive UTC (a datetime or pandas Timestamp) → aware local time in `tz`."""
    if hasattr(moment, "to_pydatetime"):
        moment = moment.to_pydatetime()
    return moment.replace(tzinfo=UTC).astimezone(tz)


def local_now(tz: dt.tzinfo) -> dt.datetime:
    """Now, as aware local time in `tz`."""
    return dt.datetime.now(tz)
