"""Study time from heartbeats (在线学习, 温人社发〔2020〕125号 第九条).

The server alone decides what is credited. Every accepted heartbeat credits the time since the
previous accepted beat of the same stream, capped at HEARTBEAT_SECONDS + grace; a gap longer
than IDLE_TIMEOUT_SECONDS credits nothing and starts a new segment ("脱机过久将无法记录学习时间").
While a presence prompt (人机交互) is open the clock is stopped; a prompt left unanswered past its
deadline ends the segment. Each person has one clock: a newer stream takes it over and the older
one is told it was paused, so two tabs never double-count.
"""
from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.numeric import Int4
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..accounts.models import LoginSession, Person
from ..accounts.sessions import SEEN_EVERY, touch_login
from ..catalogue.models import Chapter, CourseOffering, Enrolment
from ..db import dialect_insert, one_statement
from ..errors import Conflict, DomainError, InvalidInput, NotFound, TooFrequent
from ..security import NotLoggedIn
from .completion import register_completion_hours
from .models import ChapterProgress, PresencePrompt, StudyClock, StudySegment


class PausedElsewhere(Conflict):
    code = "paused_elsewhere"
    message = "您已在其他页面或设备上继续学习，本页面已暂停计时。如需在此继续，请点击“在此继续学习”。"


class StreamEnded(Conflict):
    code = "stream_ended"
    message = "本页面的学习计时已结束（已离开播放页或已退出登录），请重新打开课程继续学习"


# A stream that end_stream() stopped stays recognisable (its clock holds this mark, which no open stream can equal:
# streams are hex), so that its late beats are told it ended rather than that another page took the clock.
ENDED = "ended-"


def ended_mark(stream: str) -> str:
    return ENDED + stream[:26]


class Replayed(Conflict):
    code = "replayed"
    message = "重复或过期的心跳，未计时"


class NotStudying(Conflict):
    code = "not_studying"
    message = "学习计时尚未开始，请重新打开课程"


class PromptMissed(Conflict):
    code = "prompt_missed"
    message = "确认已超时，本段学习已结束；继续学习将开始新的计时"


class YearClosed(Conflict):
    code = "year_closed"
    message = "该年度的学习已结束，不能再记录学习时间"


@dataclass(frozen=True)
class StudySettings:
    heartbeat_s: int = 30
    grace_s: int = 5
    idle_s: int = 300
    presence_mean_s: int = 900      # mean credited seconds between presence prompts; 0 disables them
    presence_answer_s: int = 60
    rng: random.Random = field(default_factory=random.SystemRandom)

    @classmethod
    def from_config(cls, cfg: Any, rng: random.Random | None = None) -> StudySettings:
        return cls(cfg["HEARTBEAT_SECONDS"], cfg["HEARTBEAT_GRACE_SECONDS"], cfg["IDLE_TIMEOUT_SECONDS"],
                   cfg["PRESENCE_MEAN_SECONDS"], cfg["PRESENCE_ANSWER_SECONDS"],
                   rng or cfg.get("STUDY_RNG") or random.SystemRandom())

    def draw_prompt_ms(self) -> int:
        """Credited milliseconds until the next presence prompt (exponential: its moment cannot be predicted)."""
        if self.presence_mean_s <= 0:
            return 2**62
        return max(int(self.rng.expovariate(1 / self.presence_mean_s) * 1000), self.heartbeat_s * 1000)


def _ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)


def close_segment(s: Session, segment_id: int | None, reason: str, at: datetime | None = None) -> None:
    """End an open segment at its last accepted beat (idempotent: a closed segment is left alone)."""
    if segment_id is None:
        return
    s.execute(update(StudySegment).where(StudySegment.id == segment_id, StudySegment.ended_at.is_(None))
              .values(ended_at=func.coalesce(at, StudySegment.last_beat_at), end_reason=reason))


def _miss_prompt(s: Session, prompt_id: int | None) -> None:
    if prompt_id is not None:
        s.execute(update(PresencePrompt).where(PresencePrompt.id == prompt_id, PresencePrompt.status == "pending")
                  .values(status="missed"))


def start_stream(s: Session, person: Person, enrolment_id: int, chapter_id: int, settings: StudySettings) -> str:
    """Open the player on one chapter: this stream takes the person's clock, pausing any other."""
    enrolment = s.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.person_id != person.id:
        raise NotFound("没有找到您的这门课程")
    chapter = s.get(Chapter, chapter_id)
    if chapter is None or chapter.course_id != enrolment.course_id:
        raise NotFound("该章节不属于这门课程")
    offering = s.get(CourseOffering, (enrolment.course_id, enrolment.year))
    if offering is None or offering.status != "published":
        raise Conflict("该课程已下架，暂时不能学习")
    if enrolment.year != clock.study_year():
        raise YearClosed()
    token = secrets.token_hex(16)
    clk = s.scalar(select(StudyClock).where(StudyClock.person_id == person.id).with_for_update())
    if clk is None:
        s.add(StudyClock(person_id=person.id, stream=token, enrolment_id=enrolment.id, chapter_id=chapter.id,
                         last_seq=0, next_prompt_ms=settings.draw_prompt_ms()))
    else:
        close_segment(s, clk.segment_id, "superseded")
        _miss_prompt(s, clk.prompt_id)
        clk.stream, clk.enrolment_id, clk.chapter_id = token, enrolment.id, chapter.id
        clk.segment_id = clk.prompt_id = clk.last_beat_at = None
        clk.last_seq = 0
        clk.next_prompt_ms = settings.draw_prompt_ms()
    s.flush()
    return token


_CLOCK_ROW = (
    select(StudyClock.stream, StudyClock.enrolment_id, StudyClock.chapter_id, StudyClock.segment_id,
           StudyClock.last_beat_at, StudyClock.last_seq, StudyClock.prompt_id, StudyClock.next_prompt_ms,
           Chapter.study_minutes, Chapter.version, Chapter.kind)
    .join(Chapter, Chapter.id == StudyClock.chapter_id)
    .join(Person, Person.id == StudyClock.person_id)
)


# The common case of heartbeat() on PostgreSQL — a steady beat that credits time — as one statement, for one
# beat or for a batch of beats of different persons (the lane's batches, lms/study/lane.py; one statement is one
# transaction, so one WAL flush for the batch). For each beat: lock the person's clock, check it exactly as
# heartbeat() does, credit the segment and the chapter, move the clock on and, when the draw says so, open a
# presence prompt. A beat that heartbeat() would refuse as too frequent (same stream, new seq, no prompt, an open
# segment, gap under half the interval) gives its row 'too_frequent' and changes nothing: when a server hiccup
# bunches the beats, these refusals stay as cheap as the beats. A beat with no row is "neither case, nothing
# changed": heartbeat() then takes its general path (first beat, other refusals, prompts, idle gaps). The gap is
# computed like _ms(): microseconds -> float seconds -> * 1000 -> truncated. Every row starts with the person id.
# The clocks are looked up beat by beat (LATERAL: index scans, locked in the beats' order), and the statement runs
# with its generic plan (lms.db.GENERIC_PLAN): planning it costs more than running it. A credited beat also moves
# its login's last-seen time on (账号安全 shows it) when that is older than SEEN_EVERY, as a page does through
# Flask's user loader: one write per login every five minutes, inside the same statement (no second round trip).
TOO_FREQUENT = "心跳过于频繁，本次未计时"
_HEARTBEAT_PG = """
WITH b AS (
  SELECT * FROM unnest(%(pid)s::int[], %(sv)s::int[], %(lid)s::int[], %(stream)s::text[], %(seq)s::int[],
                       %(pos)s::float8[], %(at)s::timestamp[], %(deadline)s::timestamp[])
                AS b(pid, sv, lid, stream, seq, pos, at, deadline)
), c AS (
  SELECT b.*, x.* FROM b CROSS JOIN LATERAL (
    SELECT k.stream AS clock_stream, k.enrolment_id, k.chapter_id, k.segment_id, k.last_seq, k.prompt_id,
           k.next_prompt_ms, ch.study_minutes, ch.kind,
           trunc(extract(epoch FROM b.at - k.last_beat_at)::float8 * 1000)::bigint AS gap
    FROM study_clock k JOIN chapter ch ON ch.id = k.chapter_id JOIN person p ON p.id = k.person_id
    WHERE k.person_id = b.pid AND p.session_version = b.sv AND p.active IS TRUE
      AND EXISTS (SELECT 1 FROM login_session ls WHERE ls.id = b.lid AND ls.person_id = b.pid AND ls.ended_at IS NULL)
    FOR UPDATE OF k
  ) x
), ok AS (
  SELECT c.*, least(c.gap, %(cap)s::bigint) AS credit, c.gap::float8 / 1000 * 2 AS gap2,
         CASE WHEN c.kind = 'video' THEN c.pos ELSE 0.0::float8 END AS vpos
  FROM c
  WHERE c.clock_stream = c.stream AND c.last_seq < c.seq AND c.prompt_id IS NULL AND c.segment_id IS NOT NULL
    AND c.gap >= %(half)s::bigint AND c.gap <= %(idle)s::bigint
), seen AS (
  UPDATE login_session ls SET last_seen_at = ok.at
  FROM ok WHERE ls.id = ok.lid AND ls.last_seen_at < ok.at - %(seen)s::interval
), seg AS (
  UPDATE study_segment s SET credited_ms = s.credited_ms + ok.credit, last_beat_at = ok.at, beats = s.beats + 1
  FROM ok WHERE s.id = ok.segment_id
  RETURNING s.id, s.credited_ms
), pr AS (
  INSERT INTO presence_prompt (person_id, segment_id, enrolment_id, shown_at, deadline, status)
  SELECT ok.pid, seg.id, ok.enrolment_id, ok.at, ok.deadline, 'pending' FROM seg JOIN ok ON ok.segment_id = seg.id
  WHERE seg.credited_ms >= ok.next_prompt_ms
  RETURNING id, person_id
), clk AS (
  UPDATE study_clock k SET last_seq = ok.seq, last_beat_at = ok.at, prompt_id = pr.id
  FROM ok LEFT JOIN pr ON pr.person_id = ok.pid WHERE k.person_id = ok.pid
), prog AS (
  INSERT INTO chapter_progress AS cp (enrolment_id, chapter_id, credited_ms, furthest_position)
  SELECT ok.enrolment_id, ok.chapter_id, ok.credit, least(ok.vpos, ok.gap2) FROM ok
  ON CONFLICT (enrolment_id, chapter_id) DO UPDATE SET
    credited_ms = cp.credited_ms + EXCLUDED.credited_ms,
    furthest_position = (SELECT greatest(cp.furthest_position, least(ok.vpos, cp.furthest_position + ok.gap2 + 5))
                         FROM ok WHERE ok.enrolment_id = cp.enrolment_id AND ok.chapter_id = cp.chapter_id)
  RETURNING cp.enrolment_id, cp.chapter_id, cp.credited_ms, cp.furthest_position, cp.completed_at
)
SELECT ok.pid, 'credited' AS state, ok.credit, ok.enrolment_id, ok.study_minutes, seg.id AS segment_id,
       pr.id AS prompt_id, prog.credited_ms, prog.furthest_position, prog.completed_at
FROM ok LEFT JOIN seg ON seg.id = ok.segment_id LEFT JOIN pr ON pr.person_id = ok.pid
     LEFT JOIN prog ON prog.enrolment_id = ok.enrolment_id AND prog.chapter_id = ok.chapter_id
UNION ALL
SELECT c.pid, 'too_frequent', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM c
WHERE c.clock_stream = c.stream AND c.last_seq < c.seq AND c.prompt_id IS NULL AND c.segment_id IS NOT NULL
  AND c.gap < %(half)s::bigint
"""


@dataclass(frozen=True)
class SteadyBeat:
    """One beat for heartbeat()'s steady case on PostgreSQL (_HEARTBEAT_PG), and the meaning of its row."""
    now: datetime
    deadline: datetime
    person_id: int
    session_version: int
    login_id: int
    stream: str
    seq: int
    position: float
    settings: StudySettings

    @classmethod
    def of(cls, now: datetime, person_id: int, session_version: int, login_id: int, stream: str, seq: int,
           position: float | None, settings: StudySettings) -> SteadyBeat:
        return cls(now, now + timedelta(seconds=settings.presence_answer_s), person_id, session_version, login_id,
                   stream, seq, float(position) if position is not None and position >= 0 else 0.0, settings)

    @property
    def group(self) -> None:
        return None  # any beats may go together (lms.lane.Batches)

    @staticmethod
    def params(beats: Sequence[SteadyBeat]) -> dict[str, Any]:
        """The statement's parameters for beats of different persons with the same settings, in person order (so
        that two statements lock the clocks they share in the same order)."""
        beats = sorted(beats, key=lambda b: b.person_id)
        settings = beats[0].settings
        return {
            "pid": [Int4(b.person_id) for b in beats], "sv": [Int4(b.session_version) for b in beats],
            "lid": [Int4(b.login_id) for b in beats],
            "stream": [b.stream for b in beats], "seq": [Int4(b.seq) for b in beats],
            "pos": [b.position for b in beats], "at": [b.now for b in beats], "deadline": [b.deadline for b in beats],
            "cap": (settings.heartbeat_s + settings.grace_s) * 1000, "half": settings.heartbeat_s * 500,
            "idle": settings.idle_s * 1000, "seen": SEEN_EVERY}

    def answer(self, row: Any) -> tuple[dict[str, Any], int | None]:
        """The beat's JSON answer from its row of the statement, and the enrolment if a chapter was just completed
        (the caller then runs refresh_completion() in a transaction). TooFrequent when the statement found
        the beat too soon after the last one (heartbeat()'s same refusal; nothing changed)."""
        (_pid, state, credit, enrolment_id, study_minutes, segment_id, prompt_id, credited_ms, furthest,
         completed_at) = row
        if state == "too_frequent":
            raise TooFrequent(TOO_FREQUENT)
        if segment_id is None or credited_ms is None:
            raise RuntimeError("heartbeat: the clock's segment is missing")
        result: dict[str, Any] = {"credited_seconds": credit / 1000, "prompt": None}
        if prompt_id is not None:
            result["prompt"] = _prompt_json(PresencePrompt(id=prompt_id, deadline=self.deadline))
        progress = {"credited_ms": credited_ms, "furthest": furthest, "completed_at": completed_at,
                    "completed_now": False}
        result["chapter"] = _chapter_json(progress, study_minutes)
        result["state"] = "credited"
        return result, enrolment_id if progress["completed_now"] else None


def _heartbeat_pg(s: Session, now: datetime, person_id: int, session_version: int, login_id: int, stream: str,
                  seq: int, position: float | None, settings: StudySettings) -> dict[str, Any] | None:
    """heartbeat()'s steady case in one statement (TooFrequent when it came too soon); None: neither case,
    nothing changed."""
    beat = SteadyBeat.of(now, person_id, session_version, login_id, stream, seq, position, settings)
    row = one_statement(s, _HEARTBEAT_PG, SteadyBeat.params([beat]), generic_plan=True)
    if row is None:
        return None
    result, completed = beat.answer(row)
    if completed is not None:
        result["course_complete"] = refresh_completion(s, completed, now)
    return result


def heartbeat(s: Session, person_id: int, session_version: int, login_id: int, stream: str, seq: int,
              position: float | None, settings: StudySettings, ip: str | None = None,
              device: str | None = None) -> dict[str, Any]:
    """Accept one heartbeat of an open login and credit what the server's own clock allows."""
    now = clock.now()
    if s.get_bind().dialect.name == "postgresql":
        fast = _heartbeat_pg(s, now, person_id, session_version, login_id, stream, seq, position, settings)
        if fast is not None:
            return fast
    open_login = select(LoginSession.id).where(LoginSession.id == login_id, LoginSession.person_id == person_id,
                                               LoginSession.ended_at.is_(None)).exists()
    row = s.execute(
        _CLOCK_ROW.where(StudyClock.person_id == person_id, Person.session_version == session_version,
                         Person.active.is_(True), open_login)
        .with_for_update(of=StudyClock)
    ).first()
    if row is None:
        signed_in = select(Person.id).where(Person.id == person_id, Person.session_version == session_version,
                                            Person.active.is_(True), open_login)
        if s.scalar(signed_in) is None:  # logged out, password changed, disabled: the cookie is worth nothing
            raise NotLoggedIn()
        raise NotStudying()
    touch_login(s, login_id, ip)  # 账号安全's last-seen time, as the steady statement and the pages move it on
    if row.stream.startswith(ENDED):
        raise StreamEnded() if row.stream == ended_mark(stream) else PausedElsewhere()
    if row.stream != stream:
        raise PausedElsewhere()
    if seq <= row.last_seq:
        raise Replayed()
    clock_where = (StudyClock.person_id == person_id,)
    result: dict[str, Any] = {"credited_seconds": 0.0, "prompt": None}

    if row.prompt_id is not None:
        prompt = s.get(PresencePrompt, row.prompt_id)
        assert prompt is not None
        if now <= prompt.deadline:
            # 人机交互: the clock stays stopped until the learner answers.
            s.execute(update(StudyClock).where(*clock_where).values(last_seq=seq))
            result.update(state="awaiting_presence", prompt=_prompt_json(prompt))
            return result
        prompt.status = "missed"
        close_segment(s, row.segment_id, "prompt_missed")
        s.execute(update(StudyClock).where(*clock_where)
                  .values(last_seq=seq, prompt_id=None, segment_id=None, last_beat_at=None))
        result.update(state="prompt_missed")
        return result

    gap_ms = None if row.last_beat_at is None else _ms(now - row.last_beat_at)
    if gap_ms is not None and gap_ms < settings.heartbeat_s * 500:
        raise TooFrequent(TOO_FREQUENT)

    if gap_ms is None or row.segment_id is None or gap_ms > settings.idle_s * 1000:
        # First beat, or away too long (脱机过久): nothing is credited and a new segment begins.
        close_segment(s, row.segment_id, "idle")
        segment = StudySegment(person_id=person_id, enrolment_id=row.enrolment_id, chapter_id=row.chapter_id,
                               chapter_version=row.version, stream=stream, started_at=now, last_beat_at=now,
                               credited_ms=0, beats=1, ip=ip, device=(device or "")[:255])
        s.add(segment)
        s.flush()
        s.execute(update(StudyClock).where(*clock_where).values(
            last_seq=seq, last_beat_at=now, segment_id=segment.id, next_prompt_ms=settings.draw_prompt_ms()))
        progress = _add_progress(s, row.enrolment_id, row.chapter_id, 0, position, 0, row.kind)
        result.update(state="started")
        result["chapter"] = _chapter_json(progress, row.study_minutes)
        return result

    credit = min(gap_ms, (settings.heartbeat_s + settings.grace_s) * 1000)
    seg_ms = s.execute(
        update(StudySegment).where(StudySegment.id == row.segment_id)
        .values(credited_ms=StudySegment.credited_ms + credit, last_beat_at=now, beats=StudySegment.beats + 1)
        .returning(StudySegment.credited_ms)
    ).scalar_one()
    values: dict[str, Any] = {"last_seq": seq, "last_beat_at": now}
    if seg_ms >= row.next_prompt_ms:
        prompt = PresencePrompt(person_id=person_id, segment_id=row.segment_id, enrolment_id=row.enrolment_id,
                                shown_at=now, deadline=now + timedelta(seconds=settings.presence_answer_s),
                                status="pending")
        s.add(prompt)
        s.flush()
        values["prompt_id"] = prompt.id
        result["prompt"] = _prompt_json(prompt)
    s.execute(update(StudyClock).where(*clock_where).values(**values))
    progress = _add_progress(s, row.enrolment_id, row.chapter_id, credit, position, gap_ms, row.kind)
    result["chapter"] = _chapter_json(progress, row.study_minutes)
    if progress["completed_now"]:
        result["course_complete"] = refresh_completion(s, row.enrolment_id, now)
    result.update(state="credited", credited_seconds=credit / 1000)
    return result


def _add_progress(s: Session, enrolment_id: int, chapter_id: int, credit_ms: int, position: float | None,
                  gap_ms: int, kind: str) -> dict[str, Any]:
    """Add credited time to the chapter's progress and move the furthest watched point (never trusted blindly)."""
    pos = 0.0
    if kind == "video" and position is not None and position >= 0:
        pos = float(position)
    ins = dialect_insert(s)(ChapterProgress).values(enrolment_id=enrolment_id, chapter_id=chapter_id,
                                                    credited_ms=credit_ms, furthest_position=min(pos, gap_ms / 1000 * 2))
    # The player may only move the furthest point forward by about as much time as really passed.
    allowed = ChapterProgress.furthest_position + gap_ms / 1000 * 2 + 5
    new_furthest = func.max(ChapterProgress.furthest_position, func.min(pos, allowed)) \
        if s.get_bind().dialect.name == "sqlite" else \
        func.greatest(ChapterProgress.furthest_position, func.least(pos, allowed))
    stmt = ins.on_conflict_do_update(
        index_elements=[ChapterProgress.enrolment_id, ChapterProgress.chapter_id],
        set_={"credited_ms": ChapterProgress.credited_ms + credit_ms, "furthest_position": new_furthest},
    ).returning(ChapterProgress.credited_ms, ChapterProgress.furthest_position, ChapterProgress.completed_at)
    got = s.execute(stmt).one()
    return {"credited_ms": got.credited_ms, "furthest": got.furthest_position,
            "completed_at": got.completed_at, "completed_now": False}


def _chapter_json(progress: dict[str, Any], study_minutes: int) -> dict[str, Any]:
    required = study_minutes * 60_000
    done = progress["credited_ms"] >= required
    progress["completed_now"] = done and progress["completed_at"] is None
    return {"credited_seconds": progress["credited_ms"] / 1000, "required_seconds": required / 1000,
            "complete": done, "furthest_position": progress["furthest"]}


def refresh_completion(s: Session, enrolment_id: int, now: datetime | None = None) -> bool:
    """Mark chapters (and the course) complete whose credited minutes reached their study minutes.

    Called after crediting (by both heartbeat paths) and after a chapter's minutes change; completion is never
    taken back. Where the enrolment completes with the study, the hours are registered at that moment.
    """
    now = now or clock.now()
    enrolment = s.get(Enrolment, enrolment_id)
    assert enrolment is not None
    chapters = s.scalars(select(Chapter).where(Chapter.course_id == enrolment.course_id)).all()
    progress = {p.chapter_id: p for p in s.scalars(
        select(ChapterProgress).where(ChapterProgress.enrolment_id == enrolment_id))}
    all_done = bool(chapters)
    for ch in chapters:
        p = progress.get(ch.id)
        done = p is not None and p.credited_ms >= ch.study_minutes * 60_000
        if done and p is not None and p.completed_at is None:
            p.completed_at = now
        all_done = all_done and (p is not None and p.completed_at is not None)
    if all_done and enrolment.completed_at is None:
        enrolment.completed_at = now
        s.flush()
        # 桐 第八条 完成学习后系统自动登分 (and 威 二(二)1(2), 川 二(二)): where the study earns the hours.
        register_completion_hours(s, enrolment)
    s.flush()
    return enrolment.completed_at is not None


def _prompt_json(prompt: PresencePrompt) -> dict[str, Any]:
    return {"id": prompt.id, "deadline": prompt.deadline.isoformat() + "Z",
            "seconds_left": max(0, int((prompt.deadline - clock.now()).total_seconds()))}


def answer_prompt(s: Session, person: Person, prompt_id: int, stream: str,
                  settings: StudySettings) -> dict[str, Any]:
    """Answer a presence prompt: the clock restarts from now; a late answer finds the segment ended."""
    now = clock.now()
    prompt = s.get(PresencePrompt, prompt_id)
    if prompt is None or prompt.person_id != person.id:
        raise NotFound("没有找到该确认提示")
    clk = s.scalar(select(StudyClock).where(StudyClock.person_id == person.id).with_for_update())
    if prompt.status == "answered":
        return {"state": "answered"}
    if prompt.status == "missed" or now > prompt.deadline:
        if prompt.status == "pending":
            prompt.status = "missed"
            if clk is not None and clk.prompt_id == prompt.id:
                close_segment(s, clk.segment_id, "prompt_missed")
                clk.prompt_id = clk.segment_id = clk.last_beat_at = None
        raise PromptMissed()
    if clk is None or clk.stream != stream:
        raise PausedElsewhere()
    prompt.status, prompt.answered_at = "answered", now
    if clk.prompt_id == prompt.id:
        clk.prompt_id = None
        clk.last_beat_at = now  # the time the prompt was open is not credited
        seg_ms = s.scalar(select(StudySegment.credited_ms).where(StudySegment.id == clk.segment_id)) or 0
        clk.next_prompt_ms = seg_ms + settings.draw_prompt_ms()
    s.flush()
    return {"state": "answered"}


def close_idle_segments(s: Session, settings: StudySettings) -> int:
    """Close segments whose heartbeats stopped and prompts past their deadline (job; safe to run twice)."""
    now = clock.now()
    cutoff = now - timedelta(seconds=settings.idle_s)
    closed = 0
    expired = s.scalars(select(PresencePrompt).where(PresencePrompt.status == "pending",
                                                     PresencePrompt.deadline < now)).all()
    for prompt in expired:
        prompt.status = "missed"
        close_segment(s, prompt.segment_id, "prompt_missed")
        s.execute(update(StudyClock).where(StudyClock.prompt_id == prompt.id)
                  .values(prompt_id=None, segment_id=None, last_beat_at=None))
        closed += 1
    stale = s.scalars(select(StudySegment.id).where(StudySegment.ended_at.is_(None),
                                                    StudySegment.last_beat_at < cutoff)).all()
    for seg_id in stale:
        close_segment(s, seg_id, "idle")
        s.execute(update(StudyClock).where(StudyClock.segment_id == seg_id)
                  .values(segment_id=None, last_beat_at=None))
        closed += 1
    s.flush()
    return closed


def end_stream(s: Session, person: Person, stream: str) -> None:
    """Stop the clock when the learner leaves the player or logs out."""
    clk = s.scalar(select(StudyClock).where(StudyClock.person_id == person.id).with_for_update())
    if clk is None or clk.stream != stream:
        return
    close_segment(s, clk.segment_id, "closed")
    _miss_prompt(s, clk.prompt_id)
    clk.segment_id = clk.prompt_id = clk.last_beat_at = None
    clk.stream = ended_mark(stream)


def course_progress(s: Session, enrolment: Enrolment) -> dict[str, Any]:
    """Per-chapter and whole-course progress for an enrolment."""
    chapters = s.scalars(select(Chapter).where(Chapter.course_id == enrolment.course_id)
                         .order_by(Chapter.position)).all()
    progress = {p.chapter_id: p for p in s.scalars(
        select(ChapterProgress).where(ChapterProgress.enrolment_id == enrolment.id))}
    rows, got, need = [], 0, 0
    for ch in chapters:
        p = progress.get(ch.id)
        credited = p.credited_ms if p else 0
        required = ch.study_minutes * 60_000
        got += min(credited, required)
        need += required
        rows.append({"chapter": ch, "credited_seconds": credited / 1000, "required_seconds": required / 1000,
                     "percent": min(100, int(credited * 100 / required)) if required else 100,
                     "complete": bool(p and p.completed_at) or credited >= required,
                     "furthest_position": p.furthest_position if p else 0.0})
    return {"chapters": rows, "percent": int(got * 100 / need) if need else 0,
            "complete": enrolment.completed_at is not None, "credited_seconds": got / 1000,
            "required_seconds": need / 1000}


def check_beat_input(data: Any) -> tuple[str, int, float | None]:
    """Validate a heartbeat's JSON body; client times and durations are ignored by design."""
    if not isinstance(data, dict):
        raise InvalidInput("心跳数据格式错误")
    stream, seq, position = data.get("stream"), data.get("seq"), data.get("position")
    if not isinstance(stream, str) or not 1 <= len(stream) <= 32:
        raise InvalidInput("缺少学习流标识 stream")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < 2**31:
        raise InvalidInput("心跳序号 seq 无效")
    if position is not None and (isinstance(position, bool) or not isinstance(position, int | float)
                                 or not 0 <= position < 10**6):
        raise InvalidInput("播放位置 position 无效")
    return stream, seq, position


__all__ = ["DomainError", "StudySettings", "heartbeat", "start_stream", "answer_prompt", "close_idle_segments"]
