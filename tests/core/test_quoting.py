"""A forward or an escalation shows the message it carries as a block of its own, never the stored
separator (core/quoting.py holds the separator; the inbox and the inject page draw the two blocks)."""

from __future__ import annotations

from drillops.core.quoting import join_quoted, split_quoted
from drillops.timelines.models import InjectCause
from drillops.timelines.templatetags.inbox_tags import body_parts


class _Inject:
    def __init__(self, body: str, cause: str) -> None:
        self.body, self.cause = body, cause


def test_a_forwarded_body_splits_into_its_note_and_the_original_without_the_separator():
    body = join_quoted("Please call them back", "Caller is angry\nSecond line")
    parts = body_parts(_Inject(body, InjectCause.FORWARD))
    assert parts == {"note": "Please call them back", "original": "Caller is angry\nSecond line"}


def test_a_body_that_carries_nothing_reads_as_it_is():
    assert join_quoted("", "Just this") == "Just this"
    assert split_quoted("Just this") == ("", "Just this")
    # A scenario body that happens to hold the separator is not a forward: shown whole.
    assert body_parts(_Inject(join_quoted("a", "b"), InjectCause.SCHEDULED))["original"] == "a\n\n---\nb"
