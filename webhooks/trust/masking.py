"""An endpoint URL as everyone but its editors sees it.

A Slack, Discord or Teams webhook URL is a credential (whoever has it can post to the
channel), and receivers often put a token in a path segment or the query. Outside the
endpoint's own edit page and API reads with ``webhooks:write`` (SPEC §10), an endpoint is
shown by its description and this mask: scheme, host and port, and the first path segment
when it reads as a word; never the query, the fragment or anything after.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ELLIPSIS = "…"
# A path segment shown as it is: a short lower-case word ("api", "webhooks", "v1"). Ids,
# tokens and anything mixed-case or long are cut.
_WORD = re.compile(r"[A-Za-z][a-z0-9_-]{0,23}")
_MAX_DIGITS = 3


def _word(segment: str) -> bool:
    return bool(_WORD.fullmatch(segment)) and sum(c.isdigit() for c in segment) <= _MAX_DIGITS


def mask_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"(an unreadable URL){ELLIPSIS}"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    origin = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
    segments = [segment for segment in parts.path.split("/") if segment]
    shown = segments[:1] if segments and _word(segments[0]) else []
    hidden = len(segments) > len(shown) or bool(parts.query or parts.fragment)
    path = "".join(f"/{segment}" for segment in shown)
    return origin + path + (f"/{ELLIPSIS}" if hidden else "/" if not path else "")
