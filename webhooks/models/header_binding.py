"""Custom header values stay with the origin they were given for (SPEC §10).

``WebhookEndpoint`` keeps the origin (scheme, host, port) beside the values. A request that
gives values for the URL as it now is binds them there (``bind_headers``: the admin's and
the portal's form, the API); any other save that finds the URL at another origin drops
them, says so in ``dropped_header_names`` and the log, and the sender refuses values
bound elsewhere (a row changed around ``save()``).
"""

from __future__ import annotations

import logging
from typing import Any

from webhooks.validation.headers import origin

logger = logging.getLogger(__name__)


class OriginBoundHeaders:
    """Mixed into ``WebhookEndpoint``, whose fields these are."""

    pk: Any
    url: str
    headers: dict[str, str]
    headers_origin: str
    _state: Any

    # Names of the header values the last save dropped because the URL had moved to
    # another origin without them: the ways in say so.
    dropped_header_names: tuple[str, ...] = ()

    def bind_headers(self, values: dict[str, str]) -> None:
        """Header values a request gave for the URL as it is now (set the URL first)."""
        self.headers = values
        self.headers_origin = origin(self.url)

    def keeps_headers_at(self, url: str) -> bool:
        """Whether the stored header values may go on to ``url``: it is their origin."""
        return self.headers_origin == origin(url)

    def headers_bound(self) -> bool:
        """Whether the stored header values were given for the URL's origin."""
        return not self.headers or self.keeps_headers_at(self.url)

    def keep_headers_at_their_origin(self) -> bool:
        """Before a save: a URL moved to another origin leaves the values given for the
        old one behind, unless the request gave them again (``bind_headers``). Whether
        anything changed."""
        here = origin(self.url)
        if self.headers_origin == here:
            return False
        if self.headers and self.headers_origin and not self._state.adding:
            self.dropped_header_names = tuple(sorted(self.headers))
            logger.warning(
                "webhook endpoint %s: its URL moved to another origin; the values of its "
                "custom headers %s were dropped",
                self.pk,
                ", ".join(self.dropped_header_names),
                extra={"endpoint_id": self.pk},
            )
            self.headers = {}
        self.headers_origin = here
        return True
