"""The blank MSEL workbook a coordinator downloads: the headers in one language, one example row (the
reference drill's first complaint call at 09:00), an Objectives sheet and the instructions."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from drillops.scenarios.msel.columns import (
    EVENT_COLUMNS,
    EVENTS_SHEET,
    INSTRUCTIONS_SHEETS,
    MARK_SHEET,
    OBJECTIVE_COLUMNS,
    is_chinese,
    objectives_sheet_name,
)
from drillops.scenarios.msel.export import (
    EVENT_WIDTHS,
    OBJECTIVE_WIDTHS,
    WIDE_FIRST,
    Rows,
    mark_rows,
    workbook_properties,
    write_xlsx,
)

# The reference drill's first event (seeds/000_1a8528594ca7a0a1.txt), as the demo loads it.
EXAMPLE = {
    "en": [
        1, "00:00:00", "First complaint call: new product flaw, refund demanded",
        "Mr Zhang bought the new 'Peace of Mind' health policy last month. The waiting-period clause contradicts "
        "the sales leaflet; his claim was refused. He demands a full refund and compensation.",
        "call", "Policyholder Mr Zhang", "cs",
        "Acknowledge, log and classify the complaint, then report it on to risk management and senior management "
        "within 10 minutes.",
        "no", "00:05:00",
        "300;risk;acknowledged;Customer service has not acknowledged the first complaint.\n"
        "600;exec;acknowledged;First complaint still unacknowledged after 15 minutes.",
        1, None,
    ],
    "zh": [
        1, "00:00:00", "第一通投诉电话:新产品缺陷,要求退款",
        "张先生上月购买了新推出的“安心保”健康险,等待期条款与宣传单页不一致,理赔被拒。他要求全额退款和赔偿。",
        "call", "投保人张先生", "cs", "确认、登记并分类投诉,10分钟内上报风险管理部和公司高层。", "否", "00:05:00",
        "300;risk;acknowledged;客户服务部未确认首个投诉。\n600;exec;acknowledged;首个投诉15分钟后仍未确认。",
        1, None,
    ],
}  # fmt: skip
EXAMPLE_OBJECTIVE = {
    "en": [
        1, "Cross-department coordination and communication",
        "Coordinate and communicate across departments quickly and effectively",
        "First report from customer service to risk management within 10 minutes.",
        "Customer service reports the first complaint to risk management\nCustomer service informs senior management",
    ],
    "zh": [
        1, "跨部门协调与沟通", "提高跨部门间的协调沟通能力,确保紧急情况下迅速有效联动",
        "客户服务部在10分钟内向风险管理部完成初次报告。",
        "客户服务部向风险管理部上报首个投诉\n"
        "客户服务部向公司高层报告",
    ],
}  # fmt: skip


def _instructions() -> Rows:
    headers = {c.key: f"{c.en} / {c.zh}" for c in EVENT_COLUMNS}
    notes = [
        ("sequence", _("Event number, unique in the sheet; empty: numbered after the highest.")),
        ("offset", _("Scenario time from the start: seconds or HH:MM:SS (00:00:00 is the start, e.g. 09:00). "
                     "With a start time given at import, HH:MM values are clock times.")),
        ("title", _("Up to 200 characters; empty: the first line of the body.")),
        ("body", _("What the department receives.")),
        ("channel", _("call, email, sms, social, news, press, meeting, system or other.")),
        ("sender", _("Who the message seems to come from (a persona).")),
        ("departments", _("Department codes or names, one per line or separated by “;”; “all” or “全部” for "
                          "every department.")),
        ("expected_action", _("What the department should do.")),
        ("is_decision", _("yes or no (是 or 否): whether that action is a decision.")),
        ("response_deadline", _("Seconds or HH:MM:SS of scenario time; empty: no deadline.")),
        ("escalations", _("One step per line: after_seconds;department code or role;acknowledged|resolved;message. "
                          "The step fires that long after the deadline unless the inject was acknowledged "
                          "(or resolved).")),
        ("objective", _("The objective's sequence on the Objectives sheet.")),
        ("condition", _("after_resolved:<sequence>:<seconds> or if_not_acknowledged:<sequence>:<seconds>.")),
    ]  # fmt: skip
    rows: Rows = [[_("Column"), _("What to write")]]
    rows += [[headers[key], text] for key, text in notes]
    rows.append([objectives_sheet_name(), _("Objectives: sequence, capability, title, target, critical tasks "
                                           "(one per line).")])  # fmt: skip
    rows.append(["EXERCISE / 演练", _("Every injected event is marked as an exercise. Nothing is sent to real "
                                     "customers or the press.")])  # fmt: skip
    return rows


def template_workbook(language: str) -> bytes:
    chinese = is_chinese(language)
    key = "zh" if chinese else "en"
    with translation.override("zh-hans" if chinese else "en"):
        events: Rows = [[c.header(language) for c in EVENT_COLUMNS], list(EXAMPLE[key])]
        objectives: Rows = [[c.header(language) for c in OBJECTIVE_COLUMNS], list(EXAMPLE_OBJECTIVE[key])]
        sheets = [
            (EVENTS_SHEET, events, EVENT_WIDTHS),
            (objectives_sheet_name(language), objectives, OBJECTIVE_WIDTHS),
            (INSTRUCTIONS_SHEETS[1] if chinese else INSTRUCTIONS_SHEETS[0], _instructions(), WIDE_FIRST),
            (MARK_SHEET, mark_rows(language), WIDE_FIRST),
        ]
        return write_xlsx(sheets, workbook_properties(_("MSEL template"), language))
