"""Logging set-up: one format on standard error, no bot token and no resident's data in any line."""

from __future__ import annotations

import logging
import re
import sys
import traceback

from sqlalchemy.exc import StatementError

# A Bot API token as it appears in request URLs (/bot<id>:<secret>/method) or anywhere else.
TOKEN = re.compile(r"(?<![0-9])\d{3,20}:[A-Za-z0-9_-]{10,}")
QUIET = ("httpx", "httpcore", "apscheduler.executors.default")


class RedactTokens(logging.Filter):
    """Replace anything shaped like a bot token with a placeholder before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message without tokens; never drops a record."""
        message = record.getMessage()
        cleaned = TOKEN.sub("<token>", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redacted_trace(error: BaseException) -> str:
    """The stack and type of `error` and of the errors it came from, without their messages.

    Exception messages may quote what residents typed (a database's "Key (…)=(…)"
    detail, a value that failed to parse), so only code locations and types are kept,
    and for a failed SQL statement its text, whose parameters are placeholders.
    """
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        implicit = None if current.__suppress_context__ else current.__context__
        current = current.__cause__ or implicit
    parts: list[str] = []
    for link in reversed(chain):
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        parts.append(_described(link) + "\n")
    return "".join(parts).rstrip("\n")


def _described(error: BaseException) -> str:
    kind = type(error)
    name = f"{kind.__module__}.{kind.__qualname__}"
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str):
        name += f" (SQLSTATE {sqlstate})"
    if isinstance(error, StatementError) and error.statement:
        name += f"\n[SQL: {error.statement}]"
    return name


def log_failure(logger: logging.Logger, message: str, *args: object) -> None:
    """Log the exception being handled as an error, with its redacted trace."""
    error = sys.exc_info()[1]
    trace = redacted_trace(error) if error is not None else ""
    logger.error(message + "\n%s", *args, trace)


class RedactExceptions(logging.Filter):
    """Write any record's exception as its redacted trace (for loggers we do not call)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Move the exception into the message without its text; never drops a record."""
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}\n{redacted_trace(record.exc_info[1])}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def configure(verbose: bool) -> None:
    """Log to standard error: INFO with -v, else WARNING; HTTP request lines stay quiet."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactExceptions())
        handler.addFilter(RedactTokens())
