"""Serving chapter media to the player, only to those allowed to see it."""
from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import select

from lms.catalogue.models import Chapter, Enrolment
from lms.db import get_session
from lms.errors import NotFound
from lms.filestore import file_store
from lms.orgs.scope import visible_course
from lms.security import roles_required

bp = Blueprint("courseware", __name__)


@bp.get("/media/chapters/<int:chapter_id>")
@roles_required("practitioner", "bureau", "authority")
def chapter_media(chapter_id: int) -> Any:
    """Send a chapter's media (with range requests for video) to an enrolled learner or bureau staff."""
    s = get_session()
    chapter = s.get(Chapter, chapter_id)
    if chapter is None:
        raise NotFound()
    if current_user.role == "practitioner":
        enrolled = s.scalar(select(Enrolment.id).where(Enrolment.person_id == current_user.id,
                                                       Enrolment.course_id == chapter.course_id))
        if enrolled is None:
            raise NotFound()
    else:
        visible_course(s, current_user, chapter.course_id)  # staff: a course of their scope (404 otherwise)
    resp = file_store("media").send(chapter.media_key, mimetype=chapter.mime, conditional=True, max_age=3600,
                                    etag=chapter.media_key)  # a file lost from the store: 410, a Chinese page
    resp.headers["Cache-Control"] = "private, max-age=3600"
    if chapter.kind == "html":
        # HTML courseware is shown in a frame of the player and may not run scripts, submit forms, open windows,
        # navigate the player or reach anything off this site. It keeps this site's origin (allow-same-origin)
        # so that the player's own script can listen for the learner's activity inside it (reading counts as
        # studying); with no script of its own, the document cannot use that origin for anything. Only this
        # site may frame it.
        resp.headers["Content-Security-Policy"] = ("sandbox allow-same-origin; default-src 'none'; "
                                                   "img-src data: 'self'; style-src 'unsafe-inline' 'self'; "
                                                   "media-src 'self'; frame-ancestors 'self'")
    if chapter.kind == "pdf":
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    return resp
