"""python manage.py seed_demo [--password P] [--language en|zh-hans] [--url URL]

Loads the insurer's joint drill (departments, users for every role, objectives, an approved
scenario of 20 events, one scheduled drill with its roster). Running it again changes nothing.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from drillops.core.errors import DomainError, InvalidInput
from drillops.demo.loader import LANGUAGES, demo_language, demo_password, load_demo


class Command(BaseCommand):
    help = "Load the demo insurance drill (idempotent) and print the logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="Password of every demo user (else DRILLOPS_DEMO_PASSWORD).")
        parser.add_argument(
            "--language",
            choices=LANGUAGES,
            help="Language of the scenario content (else DRILLOPS_DEMO_LANGUAGE, else zh-hans).",
        )
        parser.add_argument("--url", help="Base URL to print (else http://127.0.0.1:$PORT).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            language = demo_language(options.get("language"))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        password = demo_password(options.get("password"))
        try:
            result = load_demo(password=password, language=language)
        except (DomainError, InvalidInput) as exc:
            raise CommandError(str(getattr(exc, "message", None) or getattr(exc, "errors", exc))) from exc
        url = options.get("url") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        drill = result.drill
        self.stdout.write(self.style.SUCCESS("Demo drill loaded (EXERCISE / 演练)."))
        self.stdout.write(f"  Organisation: {result.organisation.name} ({result.organisation.time_zone})")
        self.stdout.write(f"  Scenario:     {result.scenario.title} v{result.version.number}")
        self.stdout.write(f"                {result.version.events.count()} events")
        start = drill.scheduled_start.isoformat() if drill.scheduled_start else "-"
        self.stdout.write(f"  Drill:        {drill.name} [{drill.state}] scheduled {start}")
        self.stdout.write(f"  Open:         {url}/  (console {url}/drills/{drill.pk}/, admin {url}/admin/)")
        self.stdout.write("")
        self.stdout.write(f"  {'username':<12} {'role':<14} department")
        for username, role, department in result.logins:
            self.stdout.write(f"  {username:<12} {role:<14} {department}")
        shown = password if not os.environ.get("DRILLOPS_DEMO_HIDE_PASSWORD") else "********"
        self.stdout.write(f"  password for all: {shown}")
