"""The questionnaires every organisation starts with (created with the organisation, and for
organisations that existed before, by a data migration). The participants' one asks the seed's
questions: satisfaction with how the complaint was handled, confidence in handling a real event,
and how realistic the scenario was (the seed's participants found some scenes far from reality).

Each text is a pair (English, Chinese)."""

from __future__ import annotations

from typing import Any

LIKERT, TEXT = "likert", "text"

DEFAULT_TEMPLATES: list[dict[str, Any]] = [
    {
        "kind": "participant",
        "is_anonymous": True,
        "title": ("Participants' questionnaire", "参演人员问卷"),
        "intro": (
            "Anonymous: nobody, coordinators included, can see what you answered. "
            "1 is the lowest score, 5 the highest.",
            "匿名填写:任何人(包括演练组织者)都无法看到您的答案。1分最低,5分最高。",
        ),
        "questions": [
            (LIKERT, "How satisfied are you with how the complaint was handled?", "您对本次投诉处理的满意度如何?"),
            (LIKERT, "How clear was it whom to report to, and when?", "您是否清楚应向谁报告、何时报告?"),
            (
                LIKERT,
                "How confident are you that you could handle such an event for real?",
                "您对处理此类真实事件有多大信心?",
            ),
            (LIKERT, "How close to reality was the scenario?", "演练情景与实际情况的贴近程度如何?"),
            (TEXT, "What should change before the next drill?", "下次演练前应改进什么?"),
        ],
    },
    {
        "kind": "observer",
        "is_anonymous": False,
        "title": ("Observers' questionnaire", "观察员问卷"),
        "intro": ("1 is the lowest score, 5 the highest.", "1分最低,5分最高。"),
        "questions": [
            (LIKERT, "How satisfied are you with how the complaint was handled?", "您对本次投诉处理的满意度如何?"),
            (
                LIKERT,
                "How well did the departments coordinate and share information?",
                "各部门之间的协调与信息共享如何?",
            ),
            (LIKERT, "How well were decisions taken under pressure?", "压力下的决策表现如何?"),
            (TEXT, "Main strengths and areas for improvement you saw", "您观察到的主要优点和待改进之处"),
        ],
    },
]
