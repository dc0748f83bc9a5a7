"""Demo exam data: the HR bureau's plan with sessions (one open now) and a question bank on the regulations
themselves; the education authority's plan of its industry public subject, examining its own course."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import clock
from lms.accounts.models import Person
from lms.catalogue.models import Course, CourseOffering
from lms.orgs.models import Organisation

from .imports import QuestionSpec, add_questions, import_questions
from .models import ExamPlan, ExamSession
from .operations import SessionSpec, add_sessions, assign_proctor, create_plan

T, F = [0], [1]
TF = ["正确", "错误"]

# Questions on the five regulations this platform implements; each cites its article.
DEMO_QUESTIONS: list[QuestionSpec] = [
    QuestionSpec("single", "按温州市规定，专业技术人员每年参加继续教育的学时累计不少于多少学时？",
                 ["60 学时", "72 学时", "90 学时", "120 学时"], [2], "温人社发〔2020〕125号 第六条"),
    QuestionSpec("single", "按温州市规定，专业技术人员每年专业科目学时不少于多少学时？",
                 ["18 学时", "30 学时", "60 学时", "90 学时"], [2], "温人社发〔2020〕125号 第六条"),
    QuestionSpec("single", "在温州，一般公需科目在线学习完成并考试合格后，登记多少学时？",
                 ["8 学时", "12 学时", "18 学时", "30 学时"], [2], "温人社发〔2020〕125号 第十条"),
    QuestionSpec("single", "在温州，一般公需科目考试合格后，由哪个单位统一登记学时？",
                 ["用人单位", "市人力社保局", "行业协会", "培训机构"], [1], "温人社发〔2020〕125号 第十条"),
    QuestionSpec("single", "按四川省规定，1 学时折合多少分钟？",
                 ["30 分钟", "40 分钟", "45 分钟", "60 分钟"], [2], "川人社发〔2016〕20号 二（二）"),
    QuestionSpec("single", "桐庐县规定，学分申报须在项目结束后多少天之内完成？",
                 ["15 天", "30 天", "60 天", "90 天"], [2], "桐人社发〔2018〕26号 第十三条"),
    QuestionSpec("single", "桐庐县规定，12 月份的学分申报截止日期是哪一天？",
                 ["12 月 15 日", "12 月 25 日", "12 月 30 日", "次年 1 月 31 日"], [2], "桐人社发〔2018〕26号 第十三条"),
    QuestionSpec("single", "桐庐县规定，继续教育的学习年度如何计算？",
                 ["每年 1 月 1 日至 12 月 31 日", "每年 7 月 1 日至次年 6 月 30 日", "自报名之日起一年", "自上次登记起一年"],
                 [0], "桐人社发〔2018〕26号 第十四条"),
    QuestionSpec("single", "威海市规定，专业技术人员每年公需课学时不少于多少？",
                 ["18 学时", "24 学时", "30 学时", "60 学时"], [2], "威人社字〔2022〕2号 二"),
    QuestionSpec("single", "在温州，专业技术人员完成一般公需科目在线学习后，应在“登记系统”的哪个栏目报名考试？",
                 ["培训报名", "我的课程", "考试报名", "学时认证"], [2], "温人社发〔2020〕125号 第十条"),
    QuestionSpec("single", "在温州，一般公需科目考试的形式是什么？",
                 ["线上开卷考试", "现场电子化考试", "单位自行组织笔试", "提交学习心得"], [1], "温人社发〔2020〕125号 第七条、第十条"),
    QuestionSpec("single", "按温州市规定，一般公需科目学习课程（课件）由谁指定？",
                 ["用人单位", "市人力社保局", "专业技术人员本人", "培训机构"], [1], "温人社发〔2020〕125号 第七条"),
    QuestionSpec("single", "按四川省规定，自学成果（学习笔记、学术报告、论文等）每多少字计算为 1 个学时？",
                 ["500 字", "1000 字", "2000 字", "5000 字"], [1], "川人社发〔2016〕20号 二（二）"),
    QuestionSpec("single", "按四川省规定，每年自学的学时和发表出版作品计算的学时累计不得超过多少学时？",
                 ["30 学时", "40 学时", "50 学时", "60 学时"], [2], "川人社发〔2016〕20号 二（二）"),
    QuestionSpec("single", "桐庐县规定，参加面授培训 1 天折算为多少学分？",
                 ["4 学分", "6 学分", "8 学分", "10 学分"], [2], "桐人社发〔2018〕26号 第十一条"),
    QuestionSpec("single", "威海市规定，参加与本专业相关的培训班、研（进）修班等按实际学时认定，每天不超过多少学时？",
                 ["6 学时", "8 学时", "10 学时", "12 学时"], [1], "威人社字〔2022〕2号 二（二）1"),
    QuestionSpec("multiple", "按温州市规定，一般公需科目的学习流程包括哪些环节？",
                 ["培训报名选择课程", "在线学习", "参加现场电子化考试", "由用人单位出具证明"], [0, 1, 2],
                 "温人社发〔2020〕125号 第八、九、十条"),
    QuestionSpec("multiple", "按浙江省规定，一般公需科目的学习内容主要包括下列哪些？",
                 ["政治法律", "规划政策、职业素养", "科技创新", "本专业的新理论、新技术"], [0, 1, 2],
                 "浙人社发〔2016〕63号 第十条"),
    QuestionSpec("multiple", "按温州市规定，关于一般公需科目在线学习，下列说法正确的有哪些？",
                 ["通过“个人中心”—“我的课程”栏目选择课程学习", "学习过程中需人机交互", "脱机过久将无法记录学习时间",
                  "在线学习完成后即自动登记 18 学时"], [0, 1, 2],
                 "温人社发〔2020〕125号 第九条、第十条"),
    QuestionSpec("multiple", "按温州市规定，每年继续教育学时的构成要求有哪些？",
                 ["累计不少于 90 学时", "专业科目不少于 60 学时", "一般公需科目不少于 18 学时", "专业科目不少于 90 学时"],
                 [0, 1, 2], "温人社发〔2020〕125号 第六条"),
    QuestionSpec("multiple", "按浙江省规定，继续教育内容包括哪些科目？",
                 ["一般公需科目", "行业公需科目", "专业科目", "基础科目"], [0, 1, 2], "浙人社发〔2016〕63号 第二条"),
    QuestionSpec("multiple", "桐庐县规定，未完成继续教育学分要求可能带来哪些后果？",
                 ["当年度考核等次不得评为优秀", "连续两个年度未完成的，第二个年度考核等次确定为基本合格及以下",
                  "近三年未完成的，不得推荐职称评审和晋升岗位等级", "当年度考核等次直接确定为不合格"], [0, 1, 2],
                 "桐人社发〔2018〕26号 第十四、十五条"),
    QuestionSpec("multiple", "按温州市规定，下列哪些情况可通过“学时认证”申请登记专业科目学时？",
                 ["参加国家或省级专业技术人员资格考试并考试通过", "参加国家人社部或省人力社保厅批准组织的专业技术人才高级研修班",
                  "在省级以上刊物发表对口专业的论文、著作", "参加一般公需科目现场电子化考试"], [0, 1, 2],
                 "温人社发〔2020〕125号 第十二条"),
    QuestionSpec("multiple", "威海市规定，继续教育学时登记经过哪些流程？",
                 ["个人申报", "单位审核", "主管部门审查", "人社部门审验"], [0, 1, 2, 3], "威人社字〔2022〕2号 三"),
    QuestionSpec("truefalse", "在温州，历年已学的一般公需科目课程无法再次选择。", TF, T,
                 "温人社发〔2020〕125号 第八条"),
    QuestionSpec("truefalse", "在温州，一般公需科目学习报名时，专业技术人员可自主报名选择多门学习课程。", TF, F,
                 "温人社发〔2020〕125号 第八条：自主报名选择一门学习课程"),
    QuestionSpec("truefalse", "在温州，一般公需科目在线学习需人机交互，脱机过久将无法记录学习时间。", TF, T,
                 "温人社发〔2020〕125号 第九条"),
    QuestionSpec("truefalse", "在温州，一般公需科目在线学习完成后即可登记 18 学时，无需参加考试。", TF, F,
                 "温人社发〔2020〕125号 第十条：考试成绩合格后登记"),
    QuestionSpec("truefalse", "按四川省规定，1 学时为 45 分钟。", TF, T, "川人社发〔2016〕20号 二（二）"),
    QuestionSpec("truefalse", "桐庐县规定，同一成果或内容可以按不同类别重复计算学分。", TF, F,
                 "桐人社发〔2018〕26号 第十一条（十）：按最高学分折算计算，不重复计算"),
    QuestionSpec("truefalse", "在温州，专业技术人员在学时认定登记中伪造、提供虚假材料的，取消其职称申报资格。", TF, T,
                 "温人社发〔2020〕125号 第十五条"),
    QuestionSpec("truefalse", "在温州，“登记系统”管理人员在学时管理工作中滥用职权的，由市人力社保局或者监察机关责令改正，"
                 "并依纪依规予以处理。", TF, T, "温人社发〔2020〕125号 第十六条"),
    QuestionSpec("truefalse", "按浙江省规定，专业技术人员申报专业技术职务任职资格评审时，应从学时登记管理系统打印提交继续教育学时登记情况表。",
                 TF, T, "浙人社发〔2016〕63号 第十五条"),
    QuestionSpec("truefalse", "威海市规定，专业技术人员的继续教育学习情况按年度计入个人“学时银行”。", TF, T,
                 "威人社字〔2022〕2号 二"),
]


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    """A China wall time on day, as naive UTC."""
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0) - clock.CHINA


OPEN_VENUE, OPEN_ROOM = "温州市人才市场考点", "第一考场"


def _open_now_spec() -> SessionSpec:
    """The demo's all-day session of today: booking open now, the exam can start now (China time)."""
    now, today = clock.now(), clock.china_now()
    starts = min(_at(today, 0), now - timedelta(minutes=30))
    ends = max(_at(today, 23, 30), now + timedelta(hours=3))
    return SessionSpec(OPEN_VENUE, "温州市鹿城区市府路 500 号", OPEN_ROOM, starts, ends, 40, starts - timedelta(days=7),
                       ends - timedelta(minutes=60), ends - timedelta(minutes=90))


def _is_open_now(x: ExamSession) -> bool:
    """Bookable now, and an exam booked now can be sat now (at least an hour of it left)."""
    now = clock.now()
    return (x.cancelled_at is None and x.booking_opens_at <= now < x.booking_closes_at and x.starts_at <= now
            and x.ends_at - now >= timedelta(hours=1))


def load_exam_demo(s: Session, bureau: Person, proctor: Person, year: int) -> list[str]:
    """Create (idempotently) the year's exam plan with sessions, assign the proctor, import the question banks.

    Every run leaves a session open now: the first creates it; a later run on another day adds today's (the
    earlier ones are kept: bookings and papers may hang on them). A run that finds everything in place writes
    nothing (no audit entries either).
    """
    lines: list[str] = []
    plan = s.scalar(select(ExamPlan).where(ExamPlan.year == year, ExamPlan.category == "general_public"))
    if plan is None:
        plan = create_plan(s, bureau, year=year, category="general_public", title=f"{year} 年度一般公需科目现场电子化考试",
                           pass_mark=60, duration_minutes=60, question_count=20, ip="demo")
    sessions = list(s.scalars(select(ExamSession).where(ExamSession.plan_id == plan.id)))
    if not sessions:
        today = clock.china_now()
        tomorrow = today + timedelta(days=1)
        opens = clock.now() - timedelta(days=7)
        specs = [
            _open_now_spec(),
            SessionSpec(OPEN_VENUE, "温州市鹿城区市府路 500 号", "第二考场", _at(tomorrow, 9),
                        _at(tomorrow, 10, 30), 30, opens, _at(tomorrow, 8), _at(today, 23)),
            SessionSpec("瑞安市人力社保局考点", "瑞安市万松东路 18 号", "机房 A", _at(tomorrow, 14),
                        _at(tomorrow, 15, 30), 2, opens, _at(tomorrow, 12), _at(tomorrow, 8)),
        ]
        sessions = add_sessions(s, bureau, plan, specs, ip="demo")
        lines.append(f"考试计划：{plan.title}，{len(sessions)} 个场次（第一场正在报名、现在即可开考）")
    elif not any(_is_open_now(x) for x in sessions):
        sessions += add_sessions(s, bureau, plan, [_open_now_spec()], ip="demo")
        lines.append(f"考试计划：已添加今天的场次（{OPEN_VENUE} {OPEN_ROOM}，正在报名、现在即可开考）")
    for session in sessions:
        assign_proctor(s, bureau, session, proctor, ip="demo")
    lines.append(f"监考员 {proctor.username} 已指派到 {len(sessions)} 个场次")
    courses = s.scalars(select(Course).join(CourseOffering).where(
        CourseOffering.year == year, Course.category == "general_public")).all()
    for course in courses:
        added, _skipped = add_questions(s, bureau, course, DEMO_QUESTIONS, ip="demo")
        if added:
            lines.append(f"题库《{course.title}》导入 {added} 题")
    s.flush()
    return lines


# The authority's bank as its clerk would upload it (题库管理): questions on the industry public subject itself.
AUTHORITY_BANK_CSV = """题型,题干,选项A,选项B,选项C,选项D,答案,解析
单选,按温州市规定，行业公需科目学习课程（课件）由谁确定？,用人单位,市级行业主管部门协同市人力社保局,专业技术人员本人,培训机构,B,温人社发〔2020〕125号 第十一条
单选,在温州，行业公需科目考试合格后，由谁统一登记学时？,用人单位,县级人力社保局,市级行业主管部门,培训机构,C,温人社发〔2020〕125号 第十一条
单选,按浙江省规定，哪个部门具体负责推进本地区行业公需科目继续教育？,各级行业主管部门,用人单位,培训机构,行业协会,A,浙人社发〔2016〕63号 第七条
多选,按浙江省规定，行业公需科目的学习内容主要包括哪些？,行业的职业道德,行业的法律法规,行业的发展规划,本专业的新理论、新技术,ABC,浙人社发〔2016〕63号 第十条
判断,在温州，行业公需科目学时须通过相应专项知识考试（考核）后方可予以登记。,,,,,正确,温人社发〔2020〕125号 第六条
判断,按浙江省规定，专业技术人员每年行业公需和一般公需科目合计不少于 18 学时。,,,,,正确,浙人社发〔2016〕63号 第八条
"""
AUTHORITY_VENUE = ("温州市教育考试院", "温州市鹿城区学院中路 1 号", "第一考场")


def _authority_session_spec() -> SessionSpec:
    """A morning session a week from today (booking open now), or on the year's last day if that comes first: a
    plan's sessions are in its study year (温人社发〔2020〕125号 第十条)."""
    today = clock.china_now()
    day = min(today + timedelta(days=7), today.replace(month=12, day=31))
    venue, address, room = AUTHORITY_VENUE
    return SessionSpec(venue, address, room, _at(day, 9), _at(day, 10, 30), 30, clock.now() - timedelta(days=1),
                       _at(day, 8), _at(day - timedelta(days=1), 17))


def load_authority_exam_demo(s: Session, clerk: Person, course: Course, year: int, proctor: Person) -> list[str]:
    """Create once the year's exam plan of the clerk's authority for its industry public subject, with a session, and
    import its course's bank, all through the operations its pages call: the plan examines only the authority's own
    industry public courses, so the bank is that of its own course (温人社发〔2020〕125号 第十一条; import_questions
    refuses any other). The authority's own proctor is assigned to its sessions (a plan's proctors belong to the
    body that runs it: assign_proctor)."""
    plan = s.scalar(select(ExamPlan).where(ExamPlan.year == year, ExamPlan.category == "industry_public",
                                           ExamPlan.owner_org_id == clerk.org_id))
    if plan is None:
        owner = s.get(Organisation, clerk.org_id)
        industry = owner.industry if owner is not None and owner.industry else ""
        plan = create_plan(s, clerk, year=year, category="industry_public", title=f"{year} 年度{industry}行业公需科目考试",
                           pass_mark=60, duration_minutes=30, question_count=6, ip="demo")
        add_sessions(s, clerk, plan, [_authority_session_spec()], ip="demo")
    import_questions(s, clerk, course, "题库.csv", io.BytesIO(AUTHORITY_BANK_CSV.encode()), ip="demo")
    s.flush()
    sessions = list(s.scalars(select(ExamSession).where(ExamSession.plan_id == plan.id)))
    for session in sessions:
        assign_proctor(s, clerk, session, proctor, ip="demo")   # idempotent: an assignment made before stays
    first = min(x.starts_at for x in sessions)
    return [f"  行业公需考试    {clerk.username} 的《{plan.title}》：场次 {clock.china(first):%m月%d日 %H:%M}，"
            f"只考核本部门的行业公需课《{course.title}》（温人社发〔2020〕125号 第十一条）；"
            f"监考员 {proctor.username}"]
