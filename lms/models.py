"""Import every model so that Base.metadata knows the whole schema (Alembic, tests, create_all)."""
from __future__ import annotations

from .accounts.models import LoginSession, Person  # noqa: F401
from .accounts.reset import PasswordResetCode  # noqa: F401
from .audit import AuditEntry  # noqa: F401
from .catalogue.models import Chapter, Course, CourseOffering, Enrolment  # noqa: F401
from .claims.audits import ClaimAudit, ClaimAuditItem  # noqa: F401
from .claims.corrections import HoursCorrection  # noqa: F401
from .claims.findings import ClaimFinding, PersonSanction  # noqa: F401
from .claims.grants import LateFilingGrant  # noqa: F401
from .claims.models import ClaimEvidence, ClaimStep, HourClaim  # noqa: F401
from .db import Base
from .exchange.models import ExchangeExport  # noqa: F401
from .hours.models import HoursCertificate, HoursEntry, HoursSheet  # noqa: F401
from .messages.models import Message, OutboxMail  # noqa: F401
from .orgs.models import AdminChange, Employment, Organisation, RegionRow  # noqa: F401
from .reminders.models import ReminderCampaign, ReminderDelivery  # noqa: F401
from .rosters.evaluation import ProgrammeInspection, ProgrammeRating  # noqa: F401
from .rosters.models import Programme, RosterRow, RosterUpload  # noqa: F401
from .scheduler import SchedulerRun  # noqa: F401
from .stats.models import StatsArea, StatsCell, StatsClaimCell, StatsPersonYear, StatsRefresh  # noqa: F401
from .study.models import ChapterProgress, PresencePrompt, StudyClock, StudySegment  # noqa: F401

try:  # the exams domain plugs in when present
    import exams.models  # noqa: F401
except ImportError:  # pragma: no cover
    pass

metadata = Base.metadata
