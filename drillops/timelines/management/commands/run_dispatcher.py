"""Run one dispatcher replica: `manage.py run_dispatcher --name dispatcher-1`."""

from __future__ import annotations

import os
import socket
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from drillops.timelines.engine.dispatcher import Dispatcher, run_once


class Command(BaseCommand):
    help = "Deliver due injects and fire due escalation steps, on the database's clock, until SIGTERM."
    # The system checks import every URLconf, view and admin (openpyxl, numpy, DRF...): about
    # 40 MB the dispatcher never uses. `migrate` and the web process run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default="", help="Replica name shown in /healthz (default: host-pid).")
        parser.add_argument("--max-sleep", type=float, default=None, help="Longest sleep between looks, seconds.")
        parser.add_argument("--batch", type=int, default=None, help="Rows per claim transaction.")
        parser.add_argument("--once", action="store_true", help="Deliver what is due now and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            tick = run_once(batch=options["batch"])
            self.stdout.write(f"delivered {tick.delivered}, escalated {tick.escalated}, started {tick.started}")
            return
        name = options["name"] or f"{socket.gethostname()}-{os.getpid()}"
        Dispatcher(name=name, max_sleep=options["max_sleep"], batch=options["batch"]).run()
