"""The analyst's upload workflow without the UI: check a received file (nothing stored), load the
checked files as the signed-in user, summarise what changed, and build template bundles.

Pages (views/tai_len.py) draw; this module decides. No SQL here either: checks go through
`pipelines.store.load.check_file`, loads through `pipelines.accounts.users.ingest_as` (which re-checks the role in
the store), versions through `pipelines.store.load.list_versions`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass, field
from typing import Callable

from dashboard import i18n
from pipelines.accounts import users
from pipelines.plan import Plan
from pipelines.problems import Problem, error, errors_of, warnings_of
from pipelines.store import Store, load
from pipelines.workbook import annotate, sandbox
from pipelines.workbook.template import build_template, template_file_name

log = logging.getLogger(__name__)

SUFFIXES = sorted(s.lstrip(".") for s in load.SUFFIXES)   # xls, xlsm, xlsx, ods

# Preview statuses, in the order a reader cares about them.
VALID, WARNINGS, REJECTED, DUPLICATE = "valid", "warnings", "rejected", "duplicate"
# Outcomes after loading.
NEW, REPLACED, SAME = "new", "replaced", "duplicate"


# One batch on the upload page: a quarter's reports of every unit twice over. More is refused whole,
# with the limit in the message (each file's size is bounded by server.maxUploadSize and guard.py).
MAX_FILES_PER_BATCH = 60


def too_many_files(n: int, lang: str = "vi") -> str | None:
    """The refusal for a batch of n files, or None when it is within the limit."""
    if n <= MAX_FILES_PER_BATCH:
        return None
    return i18n.t("upload_too_many", lang, max=MAX_FILES_PER_BATCH, n=n)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Preview:
    """One received file after validation (nothing stored)."""
    key: str                      # sha256 of the bytes: the preview is kept under it across reruns
    name: str
    data: bytes = field(repr=False)
    unit: str | None = None
    unit_name: str | None = None
    year: int | None = None
    quarter: int | None = None
    problems: list[Problem] = field(default_factory=list)
    duplicate_of: int | None = None   # an identical file is already stored as this submission
    current_id: int | None = None     # the unit's current version for that quarter (will be replaced)

    @property
    def errors(self) -> list[Problem]:
        return errors_of(self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return warnings_of(self.problems)

    @property
    def status(self) -> str:
        if self.duplicate_of is not None:
            return DUPLICATE
        if self.errors or self.unit is None:
            return REJECTED
        return WARNINGS if self.warnings else VALID

    @property
    def unit_fault(self) -> bool:
        """Whether the unit must fix its file (a marked-up copy helps), as opposed to a refusal that
        is the committee's to lift: a demo year, a received time in the future."""
        return any(p.code not in COMMITTEE_SIDE for p in self.errors)

    @property
    def loadable(self) -> bool:
        return self.status in (VALID, WARNINGS)

    def annotated(self) -> bytes:
        """The file back to its unit: problem cells highlighted and commented, plus a list sheet."""
        return sandbox.annotate(self.data, self.name, self.problems)

    @property
    def annotated_name(self) -> str:
        return annotate.annotated_name(self.name)


# Refusals that are not the unit's doing.
COMMITTEE_SIDE = {"demo_year", "received_in_future", "internal_error"}


def check(store: Store, data: bytes, name: str) -> Preview:
    """Validate one file against the store's plans, storing nothing. Never raises for one file:
    anything unexpected becomes that file's refusal, so the other files of the batch are checked."""
    try:
        with store.connect():  # one short-lived connection for the whole check
            return _check(store, data, name)
    except Exception:  # noqa: BLE001 — logged for the administrator; the analyst sees a Vietnamese line
        log.exception("checking %s failed", name)
        return Preview(key=sha256(data), name=name, data=data, problems=[unexpected(name, "check")])


def unexpected(name: str, doing: str) -> Problem:
    """doing: "check" or "load"."""
    return error("internal_error", name, i18n.t(f"upload_unexpected_{doing}"), hint=i18n.t("upload_unexpected_hint"))


def _check(store: Store, data: bytes, name: str) -> Preview:
    sub, problems, dup = load.check_file(store, data, name)
    c = Preview(key=sha256(data), name=name, data=data, problems=list(problems), duplicate_of=dup)
    if dup is not None:
        row = load.list_versions(store).set_index("id").loc[dup]
        c.unit, c.year, c.quarter = str(row["unit"]), int(row["year"]), int(row["quarter"])
    elif sub is not None:
        c.unit, c.year, c.quarter = sub.unit, sub.year, sub.quarter
        # The checks the loader makes only when loading (a demo year, an empty report), shown in the
        # preview too so that "hợp lệ" means it will load. The received time is checked at load.
        c.problems += load.load_checks(store, sub, name, None, False)
    if c.unit and c.year:
        plan = store.plan(c.year)
        if plan is not None and c.unit in plan.unit_by_code:
            c.unit_name = plan.unit_by_code[c.unit].name
        if dup is None:
            versions = load.list_versions(store, c.unit, c.year, c.quarter)
            current = versions[versions["is_current"]]
            c.current_id = int(current["id"].iloc[0]) if not current.empty else None
    return c


def same_report_twice(checked: list[Preview]) -> list[tuple[str, int, int, list[str]]]:
    """Loadable files of one batch that are for the same unit, year and quarter: the later one
    becomes the current version. [(unit, year, quarter, [file names in load order])] — the rule of
    the command line (load.same_report_twice)."""
    return load.same_report_twice([(c.name, c.unit, c.year, c.quarter) for c in checked if c.loadable])


@dataclass
class Outcome:
    """One file after the analyst confirmed."""
    name: str
    status: str                   # new | replaced | duplicate | rejected
    unit: str | None = None
    unit_name: str | None = None
    year: int | None = None
    quarter: int | None = None
    submission_id: int | None = None
    replaced: int | None = None
    received_at: dt.datetime | None = None
    problems: list[Problem] = field(default_factory=list)
    data: bytes | None = field(default=None, repr=False)   # kept for refused files (annotated copy)

    def annotated(self) -> bytes:
        return sandbox.annotate(self.data or b"", self.name, self.problems)

    @property
    def annotated_name(self) -> str:
        return annotate.annotated_name(self.name)


def load_checked(store: Store, user: users.User | None, checked: list[Preview],
                 received: dict[str, dt.datetime | None],
                 progress: Callable[[int, int, str], None] | None = None) -> list[Outcome]:
    """Load the loadable (and already-stored) files as `user`, one transaction each, in order.
    Refused files are reported, never loaded. Raises users.PermissionDenied before the first write
    when the account may not upload (checked in the store by ingest_as). A file that fails while
    loading is reported as not stored, and the others are still loaded: the outcomes always list
    every file."""
    out: list[Outcome] = []
    todo = [c for c in checked if c.loadable or c.status == DUPLICATE]
    done = 0
    for c in checked:
        if c not in todo:
            out.append(Outcome(c.name, REJECTED, c.unit, c.unit_name, c.year, c.quarter, problems=c.problems,
                               data=c.data))
            continue
        if progress:
            progress(done, len(todo), c.name)
        try:
            r = users.ingest_as(store, user, c.data, c.name, received.get(c.key))
        except users.PermissionDenied as exc:
            if not done:
                raise
            r = load.IngestResult(c.name, "rejected", errors=[error("internal_error", c.name, str(exc))])
        except Exception:  # noqa: BLE001 — one file's failure must not hide what the others did
            log.exception("loading %s failed", c.name)
            r = load.IngestResult(c.name, "rejected", errors=[unexpected(c.name, "load")])
        done += 1
        if r.status == "accepted":
            status = REPLACED if r.replaced is not None else NEW
        elif r.status == "duplicate":
            status = SAME
        else:  # changed since the preview (e.g. the plan was replaced): refused now
            status = REJECTED
        out.append(Outcome(c.name, status, r.unit, c.unit_name, r.year, r.quarter, r.submission_id, r.replaced,
                           r.received_at, problems=r.errors + r.warnings,
                           data=c.data if status == REJECTED else None))
    if progress:
        progress(done, len(todo), "")
    return out


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    return {s: sum(o.status == s for o in outcomes) for s in (NEW, REPLACED, SAME, REJECTED)}


# -- templates ---------------------------------------------------------------------------------------
def template(plan: Plan, unit: str, quarter: int) -> tuple[str, bytes]:
    return template_file_name(plan, unit, quarter), build_template(plan, unit, quarter)


def templates_zip(plan: Plan, quarter: int) -> bytes:
    """Every unit's template for the quarter, in one zip (built in memory)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for u in plan.units:
            zf.writestr(template_file_name(plan, u.code, quarter), build_template(plan, u.code, quarter))
    return buf.getvalue()


def templates_zip_name(plan: Plan, quarter: int) -> str:
    return f"Mau_bao_cao_{plan.year}_Q{quarter}_tat_ca_don_vi.zip"
