"""`make test` needs Chromium (browser tests), a CJK font (Chinese PDFs and screenshots), Pango
(WeasyPrint renders the report's PDF with it) and poppler's pdffonts/pdftotext (the PDF test reads
the PDF back).

As root on Debian/Ubuntu it installs what is missing with apt-get; elsewhere it prints
the command to run and fails, because a test suite that skips them proves nothing.
"""

from __future__ import annotations

import ctypes.util
import glob
import os
import platform
import shutil
import subprocess
import sys

APT_PACKAGES = ["chromium", "fonts-wqy-microhei", "libpango-1.0-0", "libpangoft2-1.0-0", "poppler-utils"]
CJK_FONT_GLOBS = [
    "/usr/share/fonts/**/wqy-microhei.ttc",
    "/usr/share/fonts/**/wqy-zenhei.ttc",
    "/usr/share/fonts/**/NotoSansCJK*",
    "/usr/share/fonts/**/NotoSerifCJK*",
]


def browser_path() -> str:
    return os.environ.get("DRILLOPS_BROWSER", "/usr/bin/chromium")


def has_browser() -> bool:
    path = browser_path()
    return os.path.isfile(path) and os.access(path, os.X_OK)


def has_cjk_font() -> bool:
    if platform.system() == "Darwin":
        return True  # macOS ships PingFang and Hiragino
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
        if out.stdout.strip():
            return True
    return any(glob.glob(pattern, recursive=True) for pattern in CJK_FONT_GLOBS)


def has_pango() -> bool:
    return all(ctypes.util.find_library(name) for name in ("pango-1.0", "pangoft2-1.0"))


def has_poppler() -> bool:
    return bool(shutil.which("pdffonts") and shutil.which("pdftotext"))


def missing() -> list[str]:
    checks = (
        (["chromium"], has_browser()),
        (["fonts-wqy-microhei"], has_cjk_font()),
        (["libpango-1.0-0", "libpangoft2-1.0-0"], has_pango()),
        (["poppler-utils"], has_poppler()),
    )
    return [name for names, ok in checks if not ok for name in names]


def apt_install(packages: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"ensure_browser | apt-get install -y {' '.join(packages)}", flush=True)
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", *packages], check=True, env=env)


def install_hint() -> str:
    if platform.system() == "Darwin":
        return (
            "brew install --cask chromium && brew install pango poppler"
            " && export DRILLOPS_BROWSER=/Applications/Chromium.app/Contents/MacOS/Chromium"
        )
    return "sudo apt-get install -y " + " ".join(APT_PACKAGES) + "   (or set DRILLOPS_BROWSER to a Chromium binary)"


def main() -> int:
    need = missing()
    if not need:
        return 0
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if is_root and shutil.which("apt-get") and browser_path() == "/usr/bin/chromium":
        apt_install(need)
        need = missing()
        if not need:
            return 0
    print(f"ensure_browser | missing: {', '.join(need)} (browser looked for at {browser_path()})", file=sys.stderr)
    print(f"ensure_browser | install with:\n    {install_hint()}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
