"""Proposed findings: which ones a drill's metrics suggest (rules) and how they read (wording)."""

from drillops.reports.proposals.rules import Candidate, candidates, comfortably
from drillops.reports.proposals.wording import Words, words

__all__ = ["Candidate", "Words", "candidates", "comfortably", "words"]
