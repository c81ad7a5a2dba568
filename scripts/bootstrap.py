"""Create .venv if it is missing and install requirements.txt into it, only when that
file changed since the last install (its hash is kept in .venv/.requirements.sha256).

Runs on the system Python (3.11+), standard library only, before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("VENV", BASE_DIR / ".venv"))
REQUIREMENTS = BASE_DIR / "requirements.txt"
STAMP = VENV / ".requirements.sha256"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> None:
    if venv_python().exists():
        return
    print(f"bootstrap | creating {VENV}", flush=True)
    try:
        venv.EnvBuilder(with_pip=True).create(VENV)
    except Exception as exc:  # Debian's python3 without python3-venv fails here
        sys.exit(f"bootstrap | could not create a virtualenv ({exc}); on Debian: apt-get install -y python3-venv")


def ensure_requirements() -> None:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    print(f"bootstrap | installing {REQUIREMENTS.name} into {VENV}", flush=True)
    pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "-q", "-r", str(REQUIREMENTS)], check=True)
    STAMP.write_text(digest + "\n")


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (this script runs on whatever python3 is)
        sys.exit(f"bootstrap | DrillOps needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    ensure_venv()
    try:
        ensure_requirements()
    except subprocess.CalledProcessError as exc:
        sys.exit(f"bootstrap | pip failed ({exc.returncode})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
