"""An internal error logs where it happened, never what a resident typed, their name or ids."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.app import App
from bot.clock import VirtualClock
from bot.db import Database
from bot.logs import RedactExceptions
from bot.services.deliberation import topics
from models import Circle, Identity, Resident
from tests.support.community import build
from tests.support.driver import PLATFORM

NAME = "王秘密"
USER = "u-secret-77"
TITLE = "三号楼漏水没人管"


def _duplicate_identity(
    session: Session,
    now: datetime,
    resident: Resident,
    circle: Circle,
    title: str,
    default: int,
) -> topics.Support:
    """A service that breaks a unique key with the resident's id, name and text as parameters."""
    session.add(
        Identity(
            resident_id=resident.id,
            platform=PLATFORM,
            external_id=USER,
            display_name=title[:64],
            username=resident.display_name,
        )
    )
    session.flush()
    raise AssertionError("the flush above fails")


def _logged_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args), record.exc_text or ""]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def test_an_internal_error_logs_no_residents_data(
    app: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    town = build(app)
    town.one(USER, "登记 3-2-305 同意", "g1", name=NAME)
    monkeypatch.setattr(topics, "propose", _duplicate_identity)
    caplog.set_level(logging.DEBUG)
    answer = town.one(USER, f"提议 {TITLE}", "g1")
    assert "出了点问题，刚才的操作没有生效" in answer.text
    for record in caplog.records:
        logged = _logged_text(record)
        assert not any(secret in logged for secret in (NAME, USER, TITLE)), logged
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 1 and "IntegrityError" in failures[0].getMessage()


def test_database_errors_do_not_quote_statement_parameters(
    db: Database, clock: VirtualClock
) -> None:
    with pytest.raises(IntegrityError) as raised, db.transaction() as session:
        resident = Resident(display_name=NAME, created_at=clock.now())
        session.add(resident)
        session.flush()
        for _ in range(2):
            session.add(
                Identity(
                    resident_id=resident.id, platform=PLATFORM, external_id=USER, display_name=TITLE
                )
            )
            session.flush()
    assert "hidden" in str(raised.value)
    assert NAME not in str(raised.value) and TITLE not in str(raised.value)


def test_the_log_filter_drops_exception_messages_from_other_loggers() -> None:
    try:
        raise ValueError(f"cannot read {TITLE}")
    except ValueError as error:
        record = logging.LogRecord(
            "other", logging.ERROR, __file__, 1, "failed for %s", ("a reason",), None
        )
        record.exc_info = (ValueError, error, error.__traceback__)
    assert RedactExceptions().filter(record)
    assert record.exc_info is None
    message = record.getMessage()
    assert message.startswith("failed for a reason\nTraceback") and "ValueError" in message
    assert TITLE not in message
