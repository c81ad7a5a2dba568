"""Create .venv if it is missing and install requirements.txt (with --dev:
requirements-dev.txt too) into it, only when they changed since the last install
(their hash is kept in .venv/.requirements-{run,dev}.sha256).

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
RUN_REQUIREMENTS = BASE_DIR / "requirements.txt"
DEV_REQUIREMENTS = BASE_DIR / "requirements-dev.txt"


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


def digest() -> str:
    return hashlib.sha256(RUN_REQUIREMENTS.read_bytes() + DEV_REQUIREMENTS.read_bytes()).hexdigest()


def stamp(mode: str) -> Path:
    return VENV / f".requirements-{mode}.sha256"


def ensure_requirements(dev: bool) -> None:
    mode = "dev" if dev else "run"
    current = digest()
    if stamp(mode).exists() and stamp(mode).read_text().strip() == current:
        return
    requirements = DEV_REQUIREMENTS if dev else RUN_REQUIREMENTS
    print(f"bootstrap | installing {requirements.name} into {VENV}", flush=True)
    pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "-q", "-r", str(requirements)], check=True)
    # The dev set includes the run set, so installing it satisfies both.
    for done in ("run", "dev") if dev else ("run",):
        stamp(done).write_text(current + "\n")


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (this script runs on whatever python3 is)
        sys.exit(f"bootstrap | DrillOps needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    ensure_venv()
    try:
        ensure_requirements(dev="--dev" in sys.argv[1:])
    except subprocess.CalledProcessError as exc:
        sys.exit(f"bootstrap | pip failed ({exc.returncode})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
