"""Render a baked project's promotion PR body to HTML and screenshot it with headless Chromium.

    python scripts/pr-body-screenshot.py <project>/reports/promotion.md docs/pr-body.png

Run it with a Python that has ``markdown-it-py`` (the baked project's lockfile ships it) after
`report` has written the body and its figures. The page imitates GitHub's pull-request view
closely enough for a reviewer's eye: GitHub-flavoured tables, images from ``reports/figures/``.
Needs Debian's ``chromium`` (``apt-get install chromium``); nothing is fetched from the network.
"""

from __future__ import annotations

import argparse
import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CSS = """
body { margin: 0; background: #f6f8fa; font: 14px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica,
       Arial, sans-serif; color: #1f2328; }
.page { max-width: 900px; margin: 16px auto; }
.title { font-size: 26px; font-weight: 400; margin: 0 0 6px; }
.title span { color: #59636e; }
.state { display: inline-block; background: #1f883d; color: #fff; border-radius: 2em; padding: 4px 12px;
         font-weight: 600; margin-right: 8px; }
.meta { color: #59636e; margin-bottom: 16px; }
.label { display: inline-block; border-radius: 2em; padding: 0 8px; font-size: 12px; font-weight: 600;
         background: #ddf4ff; color: #0969da; margin-left: 4px; }
.comment { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; }
.comment-head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; color: #59636e;
                border-radius: 6px 6px 0 0; }
.markdown { padding: 16px 24px; }
.markdown h1 { font-size: 2em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
.markdown h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin-top: 24px; }
.markdown table { border-collapse: collapse; margin: 8px 0 16px; display: block; overflow: auto; }
.markdown th, .markdown td { border: 1px solid #d1d9e0; padding: 6px 13px; }
.markdown th { font-weight: 600; }
.markdown tr:nth-child(2n) { background: #f6f8fa; }
.markdown img { max-width: 100%; }
.markdown code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%; }
.markdown pre { background: #f6f8fa; border-radius: 6px; padding: 16px; }
.markdown pre code { background: none; padding: 0; }
"""


def render(body: str, title: str) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return (f"<!doctype html><html><head><meta charset='utf-8'><style>{CSS}</style></head><body><div class='page'>"
            f"<div class='title'>{html.escape(title)} <span>#1</span></div>"
            "<div class='meta'><span class='state'>Open</span>github-actions wants to merge 1 commit into "
            "<code>main</code> from <code>promote/churn-retrain</code>"
            "<span class='label'>model-promotion</span><span class='label'>automated</span></div>"
            "<div class='comment'><div class='comment-head'><b>github-actions</b> commented</div>"
            f"<div class='markdown'>{md.render(body)}</div></div></div></body></html>")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("body", type=Path, help="reports/promotion.md of a baked project (figures beside it)")
    parser.add_argument("png", type=Path, help="screenshot to write")
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--height", type=int, default=5200)
    parser.add_argument("--title", default="Promote churn-retrain: model trained on data up to 2026-04-10")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not found: apt-get install chromium", file=sys.stderr)
        return 2
    page = args.body.parent / "promotion.html"  # beside the body, so figures/… resolve
    page.write_text(render(args.body.read_text(encoding="utf-8"), args.title), encoding="utf-8")
    args.png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                        "--hide-scrollbars", f"--window-size={args.width},{args.height}",
                        f"--screenshot={args.png.resolve()}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
    print(f"{args.png}: {page} rendered by {chromium}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
