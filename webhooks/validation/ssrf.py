"""Which addresses webhooks may be sent to.

An endpoint URL is typed by a user, so by default it must not reach this machine, the
private network or a cloud metadata service. The rule is a table, not Python's
``is_global`` (which changes between Python releases and misses several blocks): every
block of the IANA IPv4 and IPv6 Special-Purpose Address Registries is refused, even those
marked globally reachable (anycast relays and AS112 servers are not webhook receivers),
as are multicast, the deprecated IPv6 forms (IPv4-compatible, SIIT, site-local) and all
IPv6 outside global unicast (2000::/3). An IPv6 address that embeds an IPv4 one through a
translation prefix (NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by the IPv4 it embeds.
Hosts written as IPv4's odd spellings (``2130706433``, ``0x7f.1``, ``0177.0.0.1``,
``127.1``) count as addresses. Operators open it up with WEBHOOKS_ALLOW_PRIVATE_URLS or
per network with WEBHOOKS_ALLOWED_NETWORKS.
"""

from __future__ import annotations

import ipaddress
import socket

from webhooks.conf import conf

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _table(rows: list[tuple[str, str]]) -> list[tuple[IPNetwork, str]]:
    return [(ipaddress.ip_network(block), name) for block, name in rows]


# https://www.iana.org/assignments/iana-ipv4-special-registry (every row), and multicast.
IPV4_SPECIAL = _table(
    [
        ("0.0.0.0/8", '"this network" (RFC 791)'),
        ("0.0.0.0/32", '"this host on this network" (RFC 1122)'),
        ("10.0.0.0/8", "private use (RFC 1918)"),
        ("100.64.0.0/10", "shared address space, CGNAT (RFC 6598)"),
        ("127.0.0.0/8", "loopback (RFC 1122)"),
        ("169.254.0.0/16", "link-local, cloud metadata (RFC 3927)"),
        ("172.16.0.0/12", "private use (RFC 1918)"),
        ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
        ("192.0.0.0/29", "IPv4 service continuity prefix (RFC 7335)"),
        ("192.0.0.8/32", "IPv4 dummy address (RFC 7600)"),
        ("192.0.0.9/32", "Port Control Protocol anycast (RFC 7723)"),
        ("192.0.0.10/32", "TURN anycast (RFC 8155)"),
        ("192.0.0.170/32", "NAT64/DNS64 discovery (RFC 7050)"),
        ("192.0.0.171/32", "NAT64/DNS64 discovery (RFC 7050)"),
        ("192.0.2.0/24", "documentation, TEST-NET-1 (RFC 5737)"),
        ("192.31.196.0/24", "AS112-v4 (RFC 7535)"),
        ("192.52.193.0/24", "AMT (RFC 7450)"),
        ("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
        ("192.168.0.0/16", "private use (RFC 1918)"),
        ("192.175.48.0/24", "direct delegation AS112 service (RFC 7534)"),
        ("198.18.0.0/15", "benchmarking (RFC 2544)"),
        ("198.51.100.0/24", "documentation, TEST-NET-2 (RFC 5737)"),
        ("203.0.113.0/24", "documentation, TEST-NET-3 (RFC 5737)"),
        ("240.0.0.0/4", "reserved (RFC 1112)"),
        ("255.255.255.255/32", "limited broadcast (RFC 919)"),
        ("224.0.0.0/4", "multicast (RFC 5771)"),
    ]
)

# https://www.iana.org/assignments/iana-ipv6-special-registry (every row), multicast, the
# deprecated forms, and everything outside global unicast.
IPV6_SPECIAL = _table(
    [
        ("::1/128", "loopback (RFC 4291)"),
        ("::/128", "unspecified (RFC 4291)"),
        ("::ffff:0:0/96", "IPv4-mapped (RFC 4291)"),
        ("64:ff9b::/96", "IPv4/IPv6 translation, NAT64 (RFC 6052)"),
        ("64:ff9b:1::/48", "local-use IPv4/IPv6 translation (RFC 8215)"),
        ("100::/64", "discard-only (RFC 6666)"),
        ("100:0:0:1::/64", "dummy IPv6 prefix (RFC 9780)"),
        ("2001::/23", "IETF protocol assignments (RFC 2928)"),
        ("2001::/32", "Teredo (RFC 4380)"),
        ("2001:1::1/128", "Port Control Protocol anycast (RFC 7723)"),
        ("2001:1::2/128", "TURN anycast (RFC 8155)"),
        ("2001:1::3/128", "DNS-SD service registration anycast (RFC 9665)"),
        ("2001:2::/48", "benchmarking (RFC 5180)"),
        ("2001:3::/32", "AMT (RFC 7450)"),
        ("2001:4:112::/48", "AS112-v6 (RFC 7535)"),
        ("2001:10::/28", "deprecated ORCHID (RFC 4843)"),
        ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
        ("2001:30::/28", "drone remote ID entity tags (RFC 9374)"),
        ("2001:db8::/32", "documentation (RFC 3849)"),
        ("2002::/16", "6to4 (RFC 3056)"),
        ("2620:4f:8000::/48", "direct delegation AS112 service (RFC 7534)"),
        ("3fff::/20", "documentation (RFC 9637)"),
        ("5f00::/16", "segment routing SIDs (RFC 9602)"),
        ("fc00::/7", "unique local (RFC 4193)"),
        ("fe80::/10", "link-local (RFC 4291)"),
        ("::/96", "deprecated IPv4-compatible (RFC 4291)"),
        ("::ffff:0:0:0/96", "IPv4-translated, SIIT (RFC 2765)"),
        ("fec0::/10", "deprecated site-local (RFC 3879)"),
        ("ff00::/8", "multicast (RFC 4291)"),
    ]
)
GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
# Translation prefixes a public IPv4 address may sit behind: judged by that address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_6TO4 = ipaddress.IPv6Network("2002::/16")


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


def special_purpose(address: IPAddress) -> str | None:
    """What kind of address this is, when it is not a public one to send to."""
    if isinstance(address, ipaddress.IPv4Address):
        return next((name for block, name in IPV4_SPECIAL if address in block), None)
    inner = embedded_ipv4(address)
    if inner is not None and (address in _NAT64 or address in _6TO4):
        kind = special_purpose(inner)
        return None if kind is None else f"{kind}, behind a translation prefix"
    kind = next((name for block, name in IPV6_SPECIAL if address in block), None)
    if kind is None and address not in GLOBAL_UNICAST:
        kind = "reserved by the IETF (outside global unicast, 2000::/3)"
    return kind


HOW_TO_ALLOW = "set WEBHOOKS_ALLOW_PRIVATE_URLS or WEBHOOKS_ALLOWED_NETWORKS to allow it"


def refusal_reason(address: IPAddress) -> str | None:
    """Why sending to ``address`` is not allowed ("not a public address …", to follow
    "<address> is"), or ``None`` when it is."""
    if conf.allow_private_urls:
        return None
    inner = embedded_ipv4(address)
    for candidate in (address, inner):
        if candidate is not None and any(candidate in net for net in conf.allowed_networks):
            return None
    kind = special_purpose(address)
    if kind is None:
        return None
    return f"not a public address ({kind}); {HOW_TO_ALLOW}"
