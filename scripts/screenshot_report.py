"""Render an HTML report in headless Chromium and save a screenshot (PNG).

Checks that a report opens offline in a real browser: Chromium runs with every
network feature off, so a page that needed a CDN would render broken.

    python scripts/screenshot_report.py demo-output/report/SC4001E0-PSG.html shot.png

Needs Debian's ``chromium`` package (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--size", default="1200,5000", help="window WIDTH,HEIGHT in pixels")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print(
            "error: chromium not found; install it with 'apt-get install chromium'", file=sys.stderr
        )
        return 1
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={args.size}",
                f"--screenshot={args.png.resolve()}",
                args.report.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
