"""Values planted where only their one place may show them (SPEC §10): a chat webhook
URL's token, a receiver's header value, an anonymous author. A page or response that
contains one has leaked it."""

from __future__ import annotations

CHAT_TOKEN = "XXXXchatT0ken"
HEADER_VALUE = "Bearer h3ader-credential"
HIDDEN = ("Hidden Person", "hidden.person@example.com", "Secret Employer")
