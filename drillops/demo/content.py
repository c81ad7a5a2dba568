"""The demo drill's content, from the insurer's joint drill on mass complaints and reputational risk
(seeds/000_1a8528594ca7a0a1.txt), in English and Simplified Chinese. Plain data: demo.py loads it.

Every text is a pair (English, Chinese). Offsets are scenario seconds from the 09:00 start.
"""

from __future__ import annotations

from typing import Any

Text = tuple[str, str]

ORGANISATION = {"slug": "demo-insurer", "name": ("Huaxia Mutual Insurance (demo)", "华夏互助保险(演示)")}

# code, English name, Chinese name, description
DEPARTMENTS: list[tuple[str, str, str, Text]] = [
    (
        "cs",
        "Customer Service",
        "客户服务部",
        ("Designs the complaint scenario; first contact.", "负责模拟消费者投诉的情景设计,首接投诉。"),
    ),
    (
        "risk",
        "Risk Management",
        "风险管理部",
        ("Assesses the risk and decides the response.", "负责制定应对策略和风险评估。"),
    ),
    (
        "legal",
        "Legal & Compliance",
        "法务合规部",
        ("Reviews contracts; keeps the response lawful.", "确保演练及处置过程符合法律法规要求。"),
    ),
    ("hr", "Human Resources", "人力资源部", ("Mobilises and trains people.", "负责人员动员、调配和培训。")),
    (
        "it",
        "IT & Public-Opinion Monitoring",
        "信息技术部/舆情监测",
        ("Keeps systems running and watches public opinion.", "提供技术支持,监控网络舆情。"),
    ),
    ("exec", "Senior Management", "公司高层", ("Takes the final decisions.", "公司决策层。")),
    ("pr", "Communications / PR", "品牌公关部", ("Speaks to the media and the public.", "负责媒体沟通与对外发布。")),
]

SCENARIO = {
    "title": (
        "Joint drill: mass insurance complaints and reputational risk",
        "重大及群体性保险消费投诉暨声誉风险管理联合应急演练",
    ),
    "description": (
        "A newly launched insurance product has a design flaw; a large number of consumers demand refunds "
        "and compensation. The drill starts at 09:00 with the first simulated complaint call to customer "
        "service and runs through escalation, an emergency meeting, contract review, a temporary comms "
        "channel, media pressure and a simulated press conference.",
        "一款新推出的保险产品因设计缺陷,导致大量消费者提出退款和赔偿要求。演练于上午9点由客户服务部接到"
        "第一通模拟投诉电话开始,经过上报、紧急会议、合同审查、临时沟通平台、媒体压力,直至模拟新闻发布会。",
    ),
    "notes": ("Approved for the demo drill.", "演示演练已批准版本。"),
}

# Objectives from the seed, each with its critical tasks. `key` lets events point at them.
OBJECTIVES: list[dict[str, Any]] = [
    {
        "key": "process",
        "capability": ("Complaint handling and crisis response", "投诉处理与危机应对"),
        "title": (
            "Validate and improve the complaint-handling process and crisis mechanism",
            "验证并完善现有的消费投诉处理流程和危机应对机制",
        ),
        "target": (
            "Crisis plan activated and emergency meeting held within 15 minutes of the first complaint.",
            "首个投诉后15分钟内启动危机预案并召开紧急会议。",
        ),
        "tasks": [
            ("Log and classify the first complaint within 5 minutes", "5分钟内登记并分类首个投诉"),
            ("Convene the emergency meeting and agree first measures", "召开紧急会议并确定初步应对措施"),
            ("Complete the legal review of the product contract", "完成产品合同的法律审查"),
        ],
    },
    {
        "key": "coordination",
        "capability": ("Cross-department coordination and communication", "跨部门协调与沟通"),
        "title": (
            "Coordinate and communicate across departments quickly and effectively",
            "提高跨部门间的协调沟通能力,确保紧急情况下迅速有效联动",
        ),
        "target": (
            "First report from customer service to risk management within 10 minutes.",
            "客户服务部在10分钟内向风险管理部完成初次报告。",
        ),
        "tasks": [
            ("Customer service reports the first complaint to risk management", "客户服务部向风险管理部上报首个投诉"),
            ("Customer service informs senior management", "客户服务部向公司高层报告"),
            ("Every department posts updates on the temporary comms channel", "各部门在临时沟通平台上实时更新信息"),
        ],
    },
    {
        "key": "decisions",
        "capability": ("Risk awareness and decisions under pressure", "风险意识与压力下的决策"),
        "title": (
            "Strengthen staff risk awareness and decision-making under pressure",
            "增强员工的风险意识和应急处理能力",
        ),
        "target": (
            "Every press question answered with a decision within 2 minutes.",
            "每个媒体提问在2分钟内作出决定。",
        ),
        "tasks": [
            ("Approve a holding statement for the journalist", "批准给记者的临时声明"),
            ("Decide on extra staffing for the hotline", "决定热线人员增援"),
            ("Answer press-conference questions decisively", "果断回答新闻发布会提问"),
        ],
    },
    {
        "key": "lessons",
        "capability": ("Learning and improvement", "总结与改进"),
        "title": (
            "Collect feedback and lessons for real events",
            "收集演练反馈,为今后可能发生的真实事件提供参考和教训",
        ),
        "target": ("Hot wash held and observations recorded before the end.", "结束前完成复盘并记录观察意见。"),
        "tasks": [
            ("Hold a hot wash at the close", "结束时召开现场复盘"),
            ("Observers record strengths and areas for improvement", "观察员记录优点和待改进之处"),
        ],
    },
]


# Structured targets of some critical tasks (scenarios.targets), by objective key and task index;
# department codes become ids when loaded. Seconds are real seconds.
TASK_TARGETS: dict[tuple[str, int], dict[str, Any]] = {
    ("process", 0): {"metric": "acknowledge_p90", "department": "cs", "op": "<=", "value": 300},
    ("coordination", 0): {"metric": "handoff_p50", "from": "cs", "to": "risk", "op": "<=", "value": 600},
    ("coordination", 1): {"metric": "handoff_p50", "from": "cs", "to": "exec", "op": "<=", "value": 900},
    ("decisions", 2): {"metric": "press_answer_max", "op": "<=", "value": 120},
}


def step(
    after: int, department: str, message: Text, unless: str = "acknowledged", deadline: int | None = None
) -> dict[str, Any]:
    """An escalation step; the department code becomes its id when loaded. `deadline` is the
    escalation's own response deadline (scenario seconds)."""
    made = {"after_seconds": after, "department": department, "message": message, "unless": unless}
    return made if deadline is None else {**made, "response_deadline_seconds": deadline}


ALL = ["cs", "risk", "legal", "hr", "it", "exec", "pr"]

# The MSEL. `condition` is (kind, key of the event it depends on, delay seconds).
EVENTS: list[dict[str, Any]] = [
    {
        "key": "first_call",
        "offset": 0,
        "channel": "call",
        "sender": ("Policyholder Mr Zhang", "投保人张先生"),
        "targets": ["cs"],
        "title": ("First complaint call: new product flaw, refund demanded", "第一通投诉电话:新产品缺陷,要求退款"),
        "body": (
            "Mr Zhang bought the new 'Peace of Mind' health policy last month. The waiting-period clause "
            "contradicts the sales leaflet; his claim was refused. He demands a full refund and compensation "
            "and says dozens of people in his chat group have the same problem.",
            "张先生上月购买了新推出的“安心保”健康险,等待期条款与宣传单页不一致,理赔被拒。他要求全额退款和"
            "赔偿,并称其微信群里有几十人遇到同样的问题。",
        ),
        "expected": (
            "Acknowledge, log and classify the complaint, then report it on to risk management and senior "
            "management within 10 minutes.",
            "确认、登记并分类投诉,10分钟内上报风险管理部和公司高层。",
        ),
        "objective": "coordination",
        "deadline": 300,
        "escalations": [
            step(
                300,
                "risk",
                ("Customer service has not acknowledged the first complaint.", "客户服务部未确认首个投诉。"),
            ),
            step(
                600,
                "exec",
                ("First complaint still unacknowledged after 15 minutes.", "首个投诉15分钟后仍未确认。"),
                deadline=300,
            ),
        ],
    },
    {
        "key": "second_call",
        "offset": 120,
        "channel": "call",
        "sender": ("Policyholder Ms Li", "投保人李女士"),
        "targets": ["cs"],
        "title": ("Second complaint call about the same product", "第二通投诉电话:同一产品"),
        "body": (
            "Ms Li reports the same clause problem and threatens to complain to the regulator and the media.",
            "李女士反映同样的条款问题,并威胁向监管部门和媒体投诉。",
        ),
        "expected": ("Log it and link it to the first complaint.", "登记并与首个投诉关联。"),
        "objective": "process",
        "deadline": 300,
        "escalations": [step(300, "risk", ("Second complaint not acknowledged.", "第二通投诉未确认。"))],
    },
    {
        "key": "complaint_alert",
        "offset": 300,
        "channel": "system",
        "sender": ("Complaint management system", "投诉管理系统"),
        "targets": ["cs", "risk"],
        "title": ("Alert: 23 complaints about one product in 30 minutes", "预警:30分钟内同一产品投诉23件"),
        "body": (
            "The complaint system flags an abnormal cluster: 23 complaints about 'Peace of Mind' since 08:30.",
            "投诉系统发出异常聚集预警:自08:30起“安心保”相关投诉已达23件。",
        ),
        "expected": ("Assess whether this is a mass complaint event.", "研判是否构成群体性投诉事件。"),
        "objective": "process",
        "deadline": 300,
        "escalations": [step(300, "exec", ("Complaint cluster alert not acknowledged.", "投诉聚集预警未确认。"))],
    },
    {
        "key": "group_complaint",
        "offset": 480,
        "channel": "email",
        "sender": ("Lawyer for 120 policyholders", "代表120名投保人的律师"),
        "targets": ["cs", "legal"],
        "title": ("Group complaint letter from 120 policyholders", "120名投保人联名投诉函"),
        "body": (
            "A law firm sends a joint complaint on behalf of 120 policyholders, demanding refunds within "
            "7 days or collective legal action.",
            "律师事务所代表120名投保人发来联名投诉函,要求7日内退款,否则将提起集体诉讼。",
        ),
        "expected": ("Acknowledge receipt; legal assesses the claim.", "确认收函;法务合规部评估诉求。"),
        "objective": "process",
        "deadline": 600,
        "escalations": [
            step(300, "risk", ("Group complaint not acknowledged.", "群体投诉未确认。")),
            step(900, "exec", ("Group complaint still unresolved.", "群体投诉仍未解决。"), "resolved"),
        ],
    },
    {
        "key": "regulator_call",
        "offset": 600,
        "channel": "call",
        "sender": ("Local financial regulator", "地方金融监管局"),
        "targets": ["exec", "risk"],
        "title": ("Regulator calls: complaints reached us before your report", "监管来电:投诉已先于贵司报告到达监管"),
        "body": (
            "Only if the first complaint was not acknowledged by its deadline: the regulator has received "
            "consumer complaints directly and asks why the company has not reported the incident.",
            "仅当首个投诉未在时限内确认时触发:监管部门已直接收到消费者投诉,询问公司为何尚未报告。",
        ),
        "expected": ("Explain the status and promise a written report.", "说明进展并承诺提交书面报告。"),
        "objective": "coordination",
        "deadline": 300,
        "condition": ("if_not_acknowledged", "first_call", 0),
    },
    {
        "key": "emergency_meeting",
        "offset": 720,
        "channel": "meeting",
        "sender": ("Head of Risk Management", "风险管理部负责人"),
        "targets": ["risk", "exec", "cs", "legal", "hr", "it", "pr"],
        "title": ("Risk management calls an emergency meeting", "风险管理部召集紧急会议"),
        "body": (
            "All department heads join the emergency meeting to analyse the situation and agree first measures.",
            "各部门负责人参加紧急会议,分析情况并制定初步应对措施。",
        ),
        "expected": ("Decide the first response measures and owners.", "决定初步应对措施及责任人。"),
        "is_decision": True,
        "objective": "process",
        "deadline": 600,
        "escalations": [
            # Every department sits in the meeting: the coordinator (a role) hears when it drags on.
            step(300, "coordinator", ("The emergency meeting has not concluded.", "紧急会议尚未形成结论。"), "resolved")
        ],
    },
    {
        "key": "contract_review",
        "offset": 900,
        "channel": "email",
        "sender": ("Head of Risk Management", "风险管理部负责人"),
        "targets": ["legal"],
        "title": ("Review the product contract and sales material", "审查产品合同与销售材料"),
        "body": (
            "Review the policy wording, the waiting-period clause and the sales leaflet; report the legal "
            "exposure and whether a refund is required.",
            "审查保单条款、等待期条款与宣传单页,报告法律风险以及是否需要退款。",
        ),
        "expected": ("Deliver a legal opinion to the crisis team.", "向危机小组提交法律意见。"),
        "objective": "process",
        "deadline": 1200,
        "escalations": [step(600, "risk", ("Contract review not started.", "合同审查尚未启动。"))],
    },
    {
        "key": "staffing",
        "offset": 1080,
        "channel": "system",
        "sender": ("Hotline queue monitor", "热线排队监控"),
        "targets": ["hr", "cs"],
        "title": ("Hotline queue at 45 callers: extra staff needed", "热线排队45人:需要增援"),
        "body": (
            "The complaint hotline has 45 callers waiting and an average wait of 12 minutes.",
            "投诉热线有45人排队,平均等待12分钟。",
        ),
        "expected": ("Decide how many agents to redeploy and from where.", "决定从何处调配多少坐席。"),
        "is_decision": True,
        "objective": "decisions",
        "deadline": 600,
        "escalations": [step(300, "exec", ("Staffing decision pending.", "人员增援决定仍未作出。"))],
    },
    {
        "key": "opinion_alert",
        "offset": 1200,
        "channel": "system",
        "sender": ("Public-opinion monitoring", "舆情监测系统"),
        "targets": ["it", "pr"],
        "title": ("Public-opinion alert: negative mentions up 800 %", "舆情预警:负面提及量上升800%"),
        "body": (
            "Monitoring shows a spike of negative posts naming the company and 'Peace of Mind' refunds.",
            "监测显示涉及公司和“安心保”退款的负面帖子激增。",
        ),
        "expected": ("Confirm the trend and brief PR and risk management.", "确认趋势并通报品牌公关部和风险管理部。"),
        "objective": "coordination",
        "deadline": 300,
        "escalations": [step(300, "risk", ("Public-opinion alert not acknowledged.", "舆情预警未确认。"))],
    },
    {
        "key": "social_post",
        "offset": 1320,
        "channel": "social",
        "sender": ("Weibo user @安心不安心", "微博用户@安心不安心"),
        "targets": ["it", "pr"],
        "title": ("Viral post: 'insurer refuses refunds' (5,000 reposts)", "热帖:“保险公司拒绝退款”(转发5000次)"),
        "body": (
            "EXERCISE: 'Bought Peace of Mind, got no peace: the insurer refuses refunds!' with a photo of "
            "the leaflet. 5,000 reposts in 20 minutes; some posts contain false claims.",
            "演练:“买了安心保,一点不安心:保险公司拒绝退款!”配宣传单照片。20分钟转发5000次,部分内容失实。",
        ),
        "expected": ("Correct false information; prepare a public response.", "澄清不实信息,准备对外回应。"),
        "objective": "coordination",
        "deadline": 600,
    },
    {
        "key": "comms_channel",
        "offset": 1500,
        "channel": "system",
        "sender": ("Drill control", "演练导控"),
        "targets": ALL,
        "title": ("Temporary comms channel opened", "临时沟通平台已开通"),
        "body": (
            "A temporary communication channel is open for the crisis. Every department posts its status "
            "and progress there, at least every 15 minutes.",
            "危机临时沟通平台已开通。各部门须在平台上实时更新状态和进展,至少每15分钟一次。",
        ),
        "expected": ("Acknowledge and post a first status update.", "确认并发布首条状态更新。"),
        "objective": "coordination",
        "deadline": 300,
    },
    {
        "key": "meeting_outcome",
        "offset": 1560,
        "channel": "meeting",
        "sender": ("Crisis team", "危机处置小组"),
        "targets": ["cs"],
        "title": ("Brief customers on the agreed remediation", "向客户说明已确定的补救方案"),
        "body": (
            "60 seconds after the emergency meeting is resolved: customer service receives the agreed "
            "script for callers (review under way, refunds for mis-sold policies, callback within 48 hours).",
            "紧急会议结束60秒后:客户服务部收到统一答复口径(正在复核、误导销售的保单予以退款、48小时内回访)。",
        ),
        "expected": ("Switch all agents to the new script.", "所有坐席改用新口径。"),
        "objective": "process",
        "deadline": 600,
        "condition": ("after_resolved", "emergency_meeting", 60),
    },
    {
        "key": "journalist_call",
        "offset": 1680,
        "channel": "call",
        "sender": ("Reporter, Financial Daily", "《金融日报》记者"),
        "targets": ["pr"],
        "title": ("Journalist asks for comment by 10:30", "记者要求10:30前回应"),
        "body": (
            "A reporter says she will publish a story on the refund dispute at 10:30 and asks for the "
            "company's statement.",
            "记者称将于10:30发布关于退款纠纷的报道,要求公司给出声明。",
        ),
        "expected": ("Decide and issue a holding statement.", "决定并发布临时声明。"),
        "is_decision": True,
        "objective": "decisions",
        "deadline": 600,
        "escalations": [step(300, "exec", ("Journalist request unanswered.", "记者问询未回应。"))],
    },
    {
        "key": "news_article",
        "offset": 1920,
        "channel": "news",
        "sender": ("Financial Daily (fake, EXERCISE)", "《金融日报》(虚构,演练)"),
        "targets": ["pr", "it", "risk"],
        "title": ("News article: 'Hundreds of policyholders cry foul'", "新闻报道:“数百名投保人维权”"),
        "body": (
            "EXERCISE / 演练 - FAKE ARTICLE. 'Hundreds of policyholders of Huaxia Mutual say the new "
            "Peace of Mind policy was mis-sold. The company has not yet commented...'",
            "演练 / EXERCISE - 虚构报道。“华夏互助保险数百名投保人称新产品“安心保”存在误导销售,公司尚未回应……”",
        ),
        "expected": ("Assess the article and update the press line.", "评估报道并更新对外口径。"),
        "objective": "coordination",
        "deadline": 900,
        "attachment": (
            "EXERCISE / 演练 - Fake news article, not for publication.",
            "演练 / EXERCISE - 虚构新闻稿,不得外传。",
        ),
    },
    {
        "key": "regulator_inquiry",
        "offset": 2160,
        "channel": "email",
        "sender": ("Local financial regulator", "地方金融监管局"),
        "targets": ["legal", "risk"],
        "title": ("Regulator's written inquiry: report within 2 hours", "监管书面问询:2小时内报告"),
        "body": (
            "The regulator requests a written report on the complaints, the cause, the number of customers "
            "affected and the remediation plan within 2 hours.",
            "监管部门要求2小时内书面报告投诉情况、原因、受影响客户数量及整改方案。",
        ),
        "expected": ("Assign the report and confirm the deadline.", "指定报告负责人并确认时限。"),
        "objective": "process",
        "deadline": 900,
        "escalations": [step(600, "exec", ("Regulator inquiry not resolved.", "监管问询未处理完毕。"), "resolved")],
    },
    {
        "key": "press_prep",
        "offset": 2400,
        "channel": "meeting",
        "sender": ("Head of Communications", "品牌公关部负责人"),
        "targets": ["pr", "legal", "exec"],
        "title": ("Prepare the press conference", "筹备新闻发布会"),
        "body": (
            "Choose the spokesperson, agree the key messages and draft the Q&A; legal checks every answer.",
            "确定新闻发言人,统一核心信息并起草问答口径;法务合规部审核每条答复。",
        ),
        "expected": ("Decide the spokesperson and approve the Q&A.", "决定发言人并批准问答口径。"),
        "is_decision": True,
        "objective": "decisions",
        "deadline": 1200,
    },
    {
        "key": "press_conference",
        "offset": 3000,
        "channel": "meeting",
        "sender": ("Drill control", "演练导控"),
        "targets": ["pr", "exec"],
        "title": ("Simulated press conference begins", "模拟新闻发布会开始"),
        "body": (
            "Controllers play the reporters. The spokesperson opens with the company's statement.",
            "导控人员扮演记者。发言人宣读公司声明。",
        ),
        "expected": ("Deliver the statement.", "宣读声明。"),
        "objective": "decisions",
        "deadline": 300,
    },
    {
        "key": "press_q1",
        "offset": 3120,
        "channel": "press",
        "sender": ("Reporter, Consumer Weekly", "《消费者周刊》记者"),
        "targets": ["pr"],
        "title": ("Press question: will you refund every affected customer?", "记者提问:是否向所有受影响客户退款?"),
        "body": ("'Yes or no: will every affected customer get a refund?'", "“请明确回答:是否为所有受影响客户退款?”"),
        "expected": ("Decide and answer within 2 minutes.", "2分钟内作出决定并回答。"),
        "is_decision": True,
        "objective": "decisions",
        "deadline": 120,
        "escalations": [step(60, "exec", ("Press question left unanswered.", "记者提问未获回答。"), deadline=60)],
    },
    {
        "key": "press_q2",
        "offset": 3240,
        "channel": "press",
        "sender": ("Reporter, Financial Daily", "《金融日报》记者"),
        "targets": ["pr", "legal"],
        "title": ("Press question: was the flaw known before launch?", "记者提问:上市前是否已知缺陷?"),
        "body": (
            "'Internal documents suggest the clause was flagged before launch. Who knew?'",
            "“有内部文件显示上市前该条款已被指出问题,谁知情?”",
        ),
        "expected": ("Answer lawfully without speculation.", "依法回答,不作揣测。"),
        "is_decision": True,
        "objective": "decisions",
        "deadline": 120,
        "escalations": [step(60, "exec", ("Press question left unanswered.", "记者提问未获回答。"), deadline=60)],
    },
    {
        "key": "closing",
        "offset": 3600,
        "channel": "system",
        "sender": ("Drill control", "演练导控"),
        "targets": ALL,
        "title": ("End of exercise: hot wash", "演练结束:现场复盘"),
        "body": (
            "ENDEX. All players gather for the hot wash; observers share first impressions.",
            "演练结束。全体参演人员参加现场复盘,观察员分享初步意见。",
        ),
        "expected": ("Acknowledge and join the hot wash.", "确认并参加复盘。"),
        "objective": "lessons",
        "deadline": 600,
    },
]

DRILL_NAME = ("Joint drill 2026: mass complaints and reputational risk", "2026年投诉与声誉风险联合应急演练")

# The case library: the real incidents the seed cites as evidence. The seed gives the changes
# (30 % faster, satisfaction up 15 % and 20 %), not the absolute figures or dates, so only the
# changes are recorded: relative to the situation before.
CASES: list[dict[str, Any]] = [
    {
        "kind": "incident",
        "title": (
            "Real complaint handled with the streamlined communication flow",
            "优化沟通流程后处理的真实投诉事件",
        ),
        "summary": (
            "In a real complaint handled after the internal communication flow was streamlined, the "
            "problem was resolved in 30 % less time and customer satisfaction rose by 15 %: evidence "
            "that the drill's recommendations pay.",
            "在过去的一次真实投诉事件中,我们通过优化后的沟通流程,将问题解决时间缩短了30%,"
            "客户满意度提升了15%,这表明演练提出的改进方向是正确的。",
        ),
        "resolution_change": -0.30,
        "satisfaction_change": 0.15,
        "tags": [("complaint", "投诉"), ("communication flow", "沟通流程")],
    },
    {
        "kind": "incident",
        "title": (
            "Last year's mass complaint of several hundred consumers",
            "去年涉及数百名消费者的集体投诉事件",
        ),
        "summary": (
            "A collective complaint by several hundred consumers. Timely, effective communication "
            "through every channel and a detailed response plan drawn up in a short time defused the "
            "crisis; customer satisfaction rose by 20 %. Studied by the participants before this drill.",
            "一起涉及数百名消费者的集体投诉事件。我们在短时间内制定了详细的应对方案,并通过各种渠道"
            "与消费者进行了及时有效的沟通,最终成功化解了危机,客户满意度提升了20%。"
            "这也成为本次演练培训的重要案例之一。",
        ),
        "satisfaction_change": 0.20,
        "tags": [("complaint", "投诉"), ("mass complaint", "集体投诉"), ("reputation", "声誉风险")],
    },
]
