"""One word per concept in each language (drillops/core/glossary.py), and every choice a model
offers has its Chinese: the words a drill is read in cannot drift apart again."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db import models
from django.utils import translation

from drillops.core import glossary
from drillops.departments.models import Role
from drillops.reports.models import ImprovementStatus
from drillops.scenarios.models import ConditionKind, condition_text
from drillops.timelines.models import (
    DrillState,
    EntryKind,
    EscalationUnless,
    InjectCause,
    InjectStatus,
    SeatRole,
    TimelineEntry,
)

# The enums whose labels are the glossary's terms (and must stay so).
GLOSSARY_ENUMS = (DrillState, InjectStatus, InjectCause, SeatRole, Role, EscalationUnless, EntryKind, ImprovementStatus)


def _choices() -> Iterator[type[models.TextChoices]]:
    pending = list(models.TextChoices.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("drillops."):
            yield cls


def test_no_two_concepts_share_a_word_in_either_language():
    for language in ("en", "zh-hans"):
        with translation.override(language):
            by_word: dict[str, list[str]] = defaultdict(list)
            for concept, term in glossary.TERMS.items():
                by_word[str(term)].append(concept)
        shared = {word: concepts for word, concepts in by_word.items() if len(concepts) > 1}
        # English may use one word for two concepts only where a context (pgettext) parts them.
        if language == "en":
            shared.pop("Scheduled", None)
        assert shared == {}, (language, shared)


def test_a_running_drill_and_an_inject_in_progress_read_differently_in_chinese():
    with translation.override("zh-hans"):
        assert str(DrillState.RUNNING.label) == "进行中"
        assert str(InjectStatus.IN_PROGRESS.label) == "处理中"
        assert str(DrillState.SCHEDULED.label) != str(InjectCause.SCHEDULED.label)


def test_the_enums_of_drills_injects_and_roles_take_their_labels_from_the_glossary():
    terms = {id(term) for term in glossary.TERMS.values()}
    for enum in GLOSSARY_ENUMS:
        for member in enum:
            assert id(member.label) in terms, f"{enum.__name__}.{member.name} is not a glossary term"


def test_every_choice_label_of_every_model_has_a_chinese_msgstr():
    missing = []
    for enum in _choices():
        for member in enum:
            with translation.override("zh-hans"):
                chinese = str(member.label)
            with translation.override("en"):
                english = str(member.label)
            # Brand and file-format names stay as they are.
            if chinese == english and english not in {"Slack", "Webhook", "PDF", "XLSX", "CSV", "JSON"}:
                missing.append(f"{enum.__name__}.{member.name}: {english!r}")
    assert missing == []


def test_a_state_change_on_the_timeline_reads_in_the_readers_language():
    entry = TimelineEntry(kind=EntryKind.STATE, data={"from": "running", "to": "paused"})
    with translation.override("zh-hans"):
        assert entry.state_change == "进行中 → 已暂停"
    with translation.override("en"):
        assert entry.state_change == "Running → Paused"
    assert TimelineEntry(kind=EntryKind.NOTE, data={}).state_change == ""


def test_a_condition_reads_with_its_numbers_filled_in():
    with translation.override("en"):
        assert condition_text(ConditionKind.AFTER_RESOLVED, 6, "Crisis meeting", 90) == (
            "1 min 30 s after #6 Crisis meeting is resolved"
        )
        assert condition_text(ConditionKind.AFTER_RESOLVED, 6, "", 0) == "When #6 is resolved"
    with translation.override("zh-hans"):
        text = condition_text(ConditionKind.IF_NOT_ACKNOWLEDGED, 2, "客户来电", 0)
        assert text == "仅当 #2 客户来电 未在时限内确认时"
        assert "N" not in condition_text(ConditionKind.AFTER_RESOLVED, 6, "", 60)


def test_durations_read_in_the_readers_units_and_ladders_count_from_one():
    with translation.override("zh-hans"):
        assert glossary.duration_text(90) == "1 分钟 30 秒"
        assert glossary.step_label(1) == "第 1 步"
    with translation.override("en"):
        assert glossary.duration_text(3600) == "1 h"
        assert glossary.step_label(1) == "Step 1"
