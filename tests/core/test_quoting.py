"""A forward or an escalation shows the message it carries quoted, never the stored separator."""

from __future__ import annotations

from drillops.core.quoting import join_quoted, split_quoted
from drillops.core.templatetags.drillops_tags import message_body


def test_a_forwarded_body_shows_its_note_and_quotes_the_original_without_the_separator():
    body = join_quoted("Please call <them> back", "Caller is angry\nSecond line")
    html = str(message_body(body))
    assert "---" not in html
    assert html.startswith("Please call &lt;them&gt; back")
    assert '<blockquote class="quoted">Caller is angry<br>Second line</blockquote>' in html


def test_a_body_that_carries_nothing_reads_as_it_is():
    assert join_quoted("", "Just this") == "Just this"
    assert split_quoted("Just this") == ("", "Just this")
    assert str(message_body("a\nb")) == "a<br>b"
    assert str(message_body(None)) == ""
