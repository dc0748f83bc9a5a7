"""Domain errors carry an HTTP status and a stable code; one handler maps them."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, **extra: object) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.extra = extra


class Unavailable(DomainError):
    """The database cannot be reached or cannot answer now (down, restarting, refusing connections): 503 with
    Retry-After, from Flask (lms._register_errors) and from the lane (lms/asgi.py) alike."""
    status, code = 503, "unavailable"
    message = "系统暂时无法连接数据库，请稍后再试；学习计时会自动重试，已记录的学时不受影响。"
    retry_after = 5  # seconds: a restart takes about one; the player adds jitter (lms/static/player.js)


class InvalidInput(DomainError):
    status, code, message = 400, "invalid_input", "提交的内容有误"


class InvalidFields(InvalidInput):
    """Several inputs are wrong at once: every problem in one answer, by field (`fields`: name → message)."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("；".join(fields.values()))
        self.fields = dict(fields)


class NotAllowed(DomainError):
    status, code, message = 403, "forbidden", "您没有权限进行此操作"


class NotFound(DomainError):
    status, code, message = 404, "not_found", "没有找到该记录"


class Conflict(DomainError):
    status, code, message = 409, "conflict", "操作与当前状态冲突"


class AlreadyStudied(Conflict):
    code = "already_studied"
    message = "该课程您在往年已经学习过，按规定不能再次选择（温人社发〔2020〕125号 第八条）"


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"
    message = "本年度您已选择了一门一般公需科目课程，每年只能选一门"


class ChoiceLocked(Conflict):
    code = "choice_locked"
    message = "已有学习记录，不能再更换本年度所选课程"


class NotEligible(DomainError):
    status, code, message = 409, "not_eligible", "不符合条件"


class TooFrequent(DomainError):
    status, code, message = 429, "too_frequent", "请求过于频繁，请稍后再试"
