"""Keeping tokens out of logs and messages.

spotipy logs request headers and token payloads at debug level; `install_log_redaction` masks
them in its loggers (installed on import, so importing any module that talks to Spotify is
enough). `redact` masks them in any text.
"""

from __future__ import annotations

import logging
import re

_SECRET_PATTERNS = (
    re.compile(r"(Bearer\s+)[^\s'\",}]+"),
    re.compile(r"((?:access_token|refresh_token|code_verifier|code)['\"]?\s*[:=]\s*['\"]?)"
               r"[^\s'\"&,}]+"),
)


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(r"\1<redacted>", text)
    return text


def short_redacted(text: object) -> str:
    """An error from Spotify, fit for a one-line message: tokens masked, 120 characters."""
    return redact(str(text))[:120]


class _RedactTokens(logging.Filter):
    """spotipy logs request headers and token payloads at debug level: mask them. Its
    error-level lines about HTTP errors we handle ourselves are demoted to debug so that
    Python's last-resort handler does not print them on every retried 429."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.levelno >= logging.WARNING and record.name == "spotipy.client":
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def install_log_redaction() -> None:
    for name in ("spotipy.client", "spotipy.oauth2", "spotipy.cache_handler"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactTokens) for f in logger.filters):
            logger.addFilter(_RedactTokens())


install_log_redaction()
