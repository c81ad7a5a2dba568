"""Celery for `make run`'s console: `python scripts/celery_console.py -A drillops worker ...`.

Celery's own lines stay at the level given with -l (make run gives WARNING: no line for every
task received and done, none for every beat tick), while DrillOps' loggers keep INFO, so that
what our code says (the outbox sweep re-sending lost work, a broker it cannot reach) still
shows. Celery sets the root logger to the -l level; this raises ours back after it has.
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path
from typing import Any

OUR_LOGGERS = ("drillops",)


def keep_our_loggers_at_info(**_: Any) -> None:
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)


def install() -> None:
    from celery.signals import after_setup_logger

    after_setup_logger.connect(keep_our_loggers_at_info, weak=False)
    # `make run` is a developer's console; the image runs the worker as its own user. As root
    # (a VM or a container shell) Celery's eight-line warning would greet every start.
    warnings.filterwarnings("ignore", message="You're running the worker with superuser privileges")


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    install()
    from celery.__main__ import main as celery_main

    celery_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
