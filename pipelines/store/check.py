"""`check`: verify a store and report; never repair.

Errors (the store is not as it should be): a submission whose raw file is missing or has another
hash or size; a current submission whose stored values or task statuses differ from what re-reading
its raw file gives; rows of values, tasks or warnings without their submission; a unit, quarter or
year that is not current exactly once; a submission of a year without its plan; a plan whose text
does not match its hash; a schema older than the code's; a mart (store/marts.py) that differs from
its view recomputed from the ledger. Notes (worth knowing, not wrong): raw files
no submission references (left by a load killed before it committed, harmless), temporary files of
processes that have ended.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pipelines.store import marts, migrate
from pipelines.store.database import Store


@dataclass
class CheckReport:
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_store(store: Store, reread: bool = True) -> CheckReport:
    from pipelines.store.load import parse_file
    report = CheckReport()
    with store.connect() as con:
        q = lambda sql, *p: con.execute(sql, list(p)).fetchall()
        version = migrate.schema_version(con)
        if version != migrate.latest_version():
            report.errors.append(f"Lược đồ kho ở số {version}, chương trình cần số {migrate.latest_version()}.")
        subs = q("SELECT id, unit, year, quarter, file_name, sha256, size_bytes, raw_path, is_current "
                 "FROM submission ORDER BY id")
        plans = {year: (text, sha) for year, text, sha in q("SELECT year, source_text, source_sha FROM plans")}
        values: dict[int, dict[str, int | None]] = {}
        for sid, element, value in q("SELECT submission_id, element, value FROM submission_value"):
            values.setdefault(sid, {})[element] = value
        tasks: dict[int, dict[str, str]] = {}
        for sid, task, status in q("SELECT submission_id, task, status FROM submission_task"):
            tasks.setdefault(sid, {})[task] = status
        for table in ("submission_value", "submission_task", "submission_warning"):
            n = q(f"SELECT count(*) FROM {table} t WHERE NOT EXISTS "
                  f"(SELECT 1 FROM submission s WHERE s.id = t.submission_id)")[0][0]
            if n:
                report.errors.append(f"{n} dòng trong bảng {table} không thuộc bản báo cáo nào.")
        for unit, year, quarter, n in q("SELECT unit, year, quarter, count(*) FILTER (WHERE is_current) FROM submission "
                                        "GROUP BY unit, year, quarter HAVING count(*) FILTER (WHERE is_current) <> 1 "
                                        "ORDER BY year, quarter, unit"):
            report.errors.append(f"{unit} quý {quarter}/{year} có {n} bản hiện hành (phải đúng 1).")
        for sid, unit, year in q("SELECT s.id, s.unit, s.year FROM submission s WHERE NOT EXISTS "
                                 "(SELECT 1 FROM dim_unit u WHERE u.year = s.year AND u.code = s.unit)"):
            report.errors.append(f"Bản #{sid}: đơn vị {unit} không có trong kế hoạch năm {year}.")
        for mart, n in marts.differences(con).items():
            if n:
                report.errors.append(f"Bảng tổng hợp {mart} lệch {n} dòng so với số liệu tính lại từ các bản báo cáo "
                                     "(các trang đang hiển thị số cũ; hãy báo người quản trị).")

    for year, (text, sha) in sorted(plans.items()):
        if _sha256(text.encode()) != sha:
            report.errors.append(f"Kế hoạch năm {year}: nội dung không khớp mã băm đã lưu.")
    referenced = set()
    for sid, unit, year, quarter, file_name, sha, size, raw_path, is_current in subs:
        who = f"Bản #{sid} ({unit} quý {quarter}/{year}, {file_name})"
        referenced.add(raw_path)
        if year not in plans:
            report.errors.append(f"{who}: không có kế hoạch năm {year} trong kho.")
        path = store.raw_path(raw_path)
        try:
            data = path.read_bytes()
        except OSError:
            report.errors.append(f"{who}: thiếu tệp gốc {raw_path}.")
            continue
        if len(data) != size or _sha256(data) != sha:
            report.errors.append(f"{who}: tệp gốc {raw_path} không khớp mã băm/kích thước đã ghi.")
            continue
        if not (reread and is_current and year in plans):
            continue
        sub, _ = parse_file(store, data, file_name)
        if sub is None or (sub.unit, sub.year, sub.quarter) != (unit, year, quarter):
            report.errors.append(f"{who}: đọc lại tệp gốc không ra báo cáo của {unit} quý {quarter}/{year}.")
            continue
        if sub.values != values.get(sid, {}):
            diff = sorted(e for e in set(sub.values) | set(values.get(sid, {}))
                          if sub.values.get(e, "∅") != values.get(sid, {}).get(e, "∅"))
            report.errors.append(f"{who}: số liệu trong kho khác số liệu đọc lại từ tệp gốc ({', '.join(diff[:5])}).")
        if {t: s for t, (s, _n, _c) in sub.tasks.items()} != tasks.get(sid, {}):
            report.errors.append(f"{who}: tình trạng nhiệm vụ trong kho khác tệp gốc.")

    on_disk = {"raw/" + p.relative_to(store.raw_dir).as_posix() for p in store.raw_dir.rglob("*")
               if p.is_file() and not p.name.startswith(".")} if store.raw_dir.exists() else set()
    unreferenced = sorted(on_disk - referenced)
    if unreferenced:
        report.notes.append(f"{len(unreferenced)} tệp gốc không thuộc bản báo cáo nào (ví dụ {unreferenced[0]}); "
                            "vô hại — thường do một lần nạp bị ngắt trước khi ghi xong.")
    leftovers = store.leftover_temp_files()
    if leftovers:
        report.notes.append(f"{len(leftovers)} tệp tạm của tiến trình đã dừng (ví dụ {leftovers[0].name}); "
                            "lần nạp sau sẽ dọn.")
    report.counts = {"submissions": len(subs), "current": sum(1 for s in subs if s[8]), "plans": len(plans),
                     "raw_files": len(referenced)}
    return report
