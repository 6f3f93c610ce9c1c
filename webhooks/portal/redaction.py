"""Portal link tokens kept out of logs.

A portal link is a bearer credential in a URL path (``/portal/enter/<token>/``): whoever
reads it in an access log could open the portal. gunicorn's access log (gunicorn.conf.py)
and every log line of Django's (this module's ``TokenFilter`` on the console handler, for
``django.server`` and ``django.request`` lines that quote the path) write the token as
``[token]``. Only the standard library here: logging is configured before apps load.
"""

from __future__ import annotations

import logging
import re

ENTER_PREFIX = "/portal/enter/"
# What follows the prefix up to the next slash, query, blank or quote.
_TOKEN = re.compile(re.escape(ENTER_PREFIX) + r"[^/?#\s\"']+")
HIDDEN = f"{ENTER_PREFIX}[token]"


def redact(text: str) -> str:
    """``text`` with every portal link token replaced by ``[token]``."""
    if ENTER_PREFIX not in text:
        return text  # the usual line: no regular expression run
    return _TOKEN.sub(HIDDEN, text)


class TokenFilter(logging.Filter):
    """Rewrites a record that quotes a portal link so that it no longer does."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = redact(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True
