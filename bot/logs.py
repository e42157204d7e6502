"""Logging set-up: one format on standard error, and no bot token in any line."""

from __future__ import annotations

import logging
import re
import sys

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
        handler.addFilter(RedactTokens())
