"""Which addresses webhooks may be sent to.

An endpoint URL is typed by a user, so by default it must not reach this machine, the
private network or a cloud metadata service: loopback, private, link-local, CGNAT,
multicast, reserved and documentation ranges are refused, including when written as an
IPv4-mapped, 6to4 or NAT64 IPv6 address, or as one of IPv4's odd spellings
(``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``). Operators open it up with
WEBHOOKS_ALLOW_PRIVATE_URLS or per network with WEBHOOKS_ALLOWED_NETWORKS.
"""

from __future__ import annotations

import ipaddress
import socket

from webhooks.conf import conf

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a URL host denotes literally, or ``None`` for a name. Resolvers and
    browsers accept IPv4 in shorthand, octal and hex, so those count as addresses too."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(part and _is_number(part) for part in host.rstrip(".").split(".")):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            return None
    return None


LOOPBACK = ipaddress.IPv4Address("127.0.0.1")


def loopback_name(host: str) -> bool:
    """``localhost`` and every ``*.localhost`` name: loopback by definition (RFC 6761), so
    they are judged like 127.0.0.1 before any resolver is asked."""
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def _is_number(part: str) -> bool:
    lowered = part.lower()
    if lowered.startswith("0x"):
        return all(c in "0123456789abcdef" for c in lowered[2:])
    return part.isdigit()


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal_reason(address: IPAddress) -> str | None:
    """Why sending to ``address`` is not allowed ("not a public address …", to follow
    "<address> is"), or ``None`` when it is."""
    if conf.allow_private_urls:
        return None
    candidates = [address]
    inner = embedded_ipv4(address)
    if inner is not None:
        candidates.append(inner)
    for candidate in candidates:
        if any(candidate in network for network in conf.allowed_networks):
            return None
    for candidate in candidates:
        if not candidate.is_global or candidate.is_multicast:
            return (
                "not a public address (loopback, private, link-local, "
                "metadata or reserved); set WEBHOOKS_ALLOW_PRIVATE_URLS or "
                "WEBHOOKS_ALLOWED_NETWORKS to allow it"
            )
    return None
