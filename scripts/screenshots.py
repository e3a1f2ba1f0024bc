"""Screenshots of the demo report for the docs (desktop and narrow screens).

    .venv/bin/python scripts/screenshots.py    (or: make screenshots)
Writes docs/screenshots/*.png from build/demo (builds it when missing).
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
SHOTS = [  # file, viewport width, height, element to scroll to (None = top)
    ("desktop-title.png", 1280, 900, None),
    ("desktop-figure.png", 1280, 900, "#toimeentulotuki"),
    ("narrow-title.png", 390, 844, None),
    ("narrow-table.png", 390, 844, "#tbl-vertailu"),
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    from sosrap.pipeline.build import build
    html = build("demo", root=ROOT, quiet=True).outputs["html"].resolve()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, w, h, anchor in SHOTS:
            page = browser.new_page(viewport={"width": w, "height": h}, device_scale_factor=1)
            page.goto(html.as_uri(), wait_until="load")
            if anchor:
                page.eval_on_selector(anchor, "e => e.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(OUT / name))
            page.close()
            print(OUT / name)
        browser.close()


if __name__ == "__main__":
    main()
