"""Screenshots of every page at a desktop's 1366 px and a phone's 390 px, for docs/img/.

    .venv/bin/python docs/screenshots.py                      # a fresh demo store (2022 and 2023)
    .venv/bin/python docs/screenshots.py --data-dir data      # a copy of an existing store

Starts the real server (`streamlit run dashboard/server.py`, as `make run`) on a free port against
a temporary store — a copy, never the store itself — signs in as an administrator in the system's
headless Chromium, and saves docs/img/<page>_<width>.png (the whole page; 256 colours, so each
stays small). Uses the browser tests' kit (tests/e2e/browser_kit.py).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "e2e")]

from browser_kit import ARGS, CHROMIUM, add_accounts, idle, serve, sign_in  # noqa: E402

# (address, file name, heading to wait for, charts to wait for)
PAGES = [("", "tong_quan", "Tổng quan", 0), ("chi-tieu", "chi_tieu", "Chỉ tiêu", 2),
         ("don-vi", "don_vi", "Đơn vị", 2), ("tien-do", "tien_do", "Tiến độ & hạn nộp", 2),
         ("nhiem-vu", "nhiem_vu", "Nhiệm vụ", 1), ("du-lieu", "du_lieu", "Dữ liệu", 0),
         ("chat-luong", "chat_luong", "Chất lượng số liệu", 0), ("tai-len", "tai_len", "Tải lên báo cáo", 0),
         ("quan-tri", "quan_tri", "Quản trị", 0)]
SIZES = {1366: 768, 390: 844}


def demo_store(target: Path) -> None:
    from pipelines.demo import load_demo
    from pipelines.store import Store
    store = Store(target)
    for year in (2022, 2023):
        print(f"… dữ liệu mẫu năm {year}", flush=True)
        load_demo(store, year)


def small_png(path: Path) -> None:
    """256 colours: the pages are flat colours and text; a 1366 × 3000 page stays ~200 KB."""
    from PIL import Image
    with Image.open(path) as im:
        im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def shoot(url: str, out: Path, pages: list[tuple]) -> None:
    from playwright.sync_api import sync_playwright
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width, height in SIZES.items():
            phone = width < 500
            context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                          is_mobile=phone, has_touch=phone)
            page = context.new_page()
            page.set_default_timeout(90000)
            page.goto(f"{url}/")
            sign_in(page, "quan_tri")
            for path, name, heading, charts in pages:
                page.set_viewport_size({"width": width, "height": height})
                page.goto(f"{url}/{path}")
                page.get_by_role("heading", name=heading).first.wait_for()
                idle(page)
                page.wait_for_function("""(n) => { const shown = [...document.querySelectorAll(
                    '[data-testid="stPlotlyChart"]')].filter(c => getComputedStyle(c).visibility !== 'hidden');
                    return shown.length >= n && shown.every(c => c.querySelector('.main-svg')) }""", arg=charts)
                # Streamlit scrolls inside its main block: make the window as tall as the page
                tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                page.set_viewport_size({"width": width, "height": min(max(int(tall), height), 9000)})
                page.wait_for_timeout(1500)  # charts follow the new size
                file = out / f"{name}_{width}.png"
                page.screenshot(path=str(file), full_page=True)
                small_png(file)
                print(f"{file.relative_to(ROOT)}  {file.stat().st_size // 1024} KB", flush=True)
            context.close()
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ảnh chụp mọi trang ở 1366 px và 390 px vào docs/img/.")
    parser.add_argument("--data-dir", type=Path, help="kho dữ liệu để chép (mặc định: dữ liệu mẫu mới)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="thư mục ảnh (mặc định: docs/img)")
    parser.add_argument("--page", action="append", help="chỉ chụp trang này (tên tệp, ví dụ don_vi); lặp lại được")
    args = parser.parse_args(argv)
    if not CHROMIUM:
        print("Không thấy Chromium của hệ thống (chromium).", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        if args.data_dir:
            shutil.copytree(args.data_dir, data)
        else:
            demo_store(data)
        add_accounts(data)
        pages = [p for p in PAGES if not args.page or p[1] in args.page]
        with serve(data, Path(tmp) / "streamlit.log") as url:
            shoot(url, args.out.resolve(), pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
