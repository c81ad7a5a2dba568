"""A message that carries another one (a forward with its note, an escalation with its step's
message): stored as plain text, the note first and the original after a separator, and shown
with the original quoted, never with the raw separator (the `message_body` template filter)."""

from __future__ import annotations

SEPARATOR = "\n\n---\n"


def join_quoted(note: str, original: str) -> str:
    """The body of a message that says `note` and carries `original`."""
    return f"{note}{SEPARATOR}{original}" if note else original


def split_quoted(body: str) -> tuple[str, str]:
    """(note, original) of a body written by join_quoted; ("", body) when it carries nothing."""
    note, found, original = body.partition(SEPARATOR)
    return (note, original) if found else ("", body)
