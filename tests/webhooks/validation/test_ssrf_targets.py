"""The SSRF guard, target by target: at save time (``full_clean()``, no DNS) and at send
time (resolved once, every address checked, nothing sent on a refusal)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from pytest_django import Settings

from tests.support.dispatching import send_everything_due
from tests.support.factories import make_testimonial
from tests.support.receiver import Receiver
from tests.support.transport import send
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.sending import transport
from webhooks.validation import ssrf

pytestmark = pytest.mark.django_db

# Refused by full_clean() without any DNS: wrong scheme, no host, credentials, and IP
# literals that are not globally routable, however they are spelled.
REFUSED_AT_SAVE = [
    "ftp://hooks.example.com/in",
    "file:///etc/passwd",
    "gopher://hooks.example.com:70/_",
    "javascript:alert(1)",
    "http:///no-host",
    "https://user:pw@hooks.example.com/in",
    "https://token@hooks.example.com/in",
    "http://127.0.0.1/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://0/",
    "http://0.0.0.0:8000/",
    "http://10.1.2.3/",
    "http://172.31.255.255/",
    "http://192.168.0.10:8080/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.100.100.200/",  # CGNAT, e.g. Alibaba's metadata service
    "http://224.0.0.251/",
    "http://255.255.255.255/",
    "http://192.0.2.10/",
    "http://198.51.100.7/",
    "http://203.0.113.9/",
    "http://198.18.0.1/",
    "http://240.0.0.1/",
    "http://[::1]/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fd00:ec2::254]/",  # AWS's IPv6 metadata address
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[2002:a9fe:a9fe::]/",
    "http://[64:ff9b::10.0.0.1]/",
    "http://[ff02::1]/",
    # Python's is_global lets these through (3.11): the registries do not.
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[::ffff:0:7f00:1]/",  # SIIT
    "http://[64:ff9b:1::a9fe:a9fe]/",  # local-use NAT64
    "http://[fec0::1]/",  # site-local
    "http://[2002:a9fe:a9fe::1]/",  # 6to4 of the metadata address
    "http://192.0.0.9/",
    "http://[3fff::1]/",
]

# Host names pass save-time checks; at send time each resolves (here, through a fake
# resolver) to something refused. One private answer among public ones refuses the name.
REFUSED_AT_SEND = {
    "localhost.example": ["127.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "rebinding.example": ["93.184.216.34", "10.0.0.7"],
    "internal.example": ["192.168.1.20"],
    "v6-loopback.example": ["::1"],
    "v6-ula.example": ["fd12:3456:789a::1"],
    "mapped.example": ["::ffff:10.0.0.1"],
    "nat64.example": ["64:ff9b::a9fe:a9fe"],
    "cgnat.example": ["100.64.0.1"],
    "zero.example": ["0.0.0.0"],  # noqa: S104 - a target we refuse, not a bind address
}


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []

    def lookup(host: str, port: int) -> list[tuple[object, ...]]:
        asked.append(host)
        family = socket.AF_INET
        return [
            (family, socket.SOCK_STREAM, 6, "", (address, port))
            for address in REFUSED_AT_SEND.get(host, ["93.184.216.34"])
        ]

    monkeypatch.setattr(transport, "_lookup", lookup)
    return asked


@pytest.fixture(autouse=True)
def _guard_on(settings: Settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOKS_ALLOWED_NETWORKS = []


def test_there_are_at_least_thirty_targets() -> None:
    assert len(REFUSED_AT_SAVE) + len(REFUSED_AT_SEND) >= 30


@pytest.mark.parametrize("url", REFUSED_AT_SAVE)
def test_refused_at_save_time(url: str) -> None:
    with pytest.raises(ValidationError) as error:
        WebhookEndpoint(url=url).full_clean()

    assert "url" in error.value.message_dict


@pytest.mark.parametrize("host", sorted(REFUSED_AT_SEND))
def test_a_name_is_accepted_at_save_time_and_refused_at_send(
    host: str, fake_dns: list[str]
) -> None:
    WebhookEndpoint(url=f"https://{host}/hook").full_clean()

    outcome = send(f"https://{host}/hook")

    assert outcome.error.startswith(
        f"refused before sending: {host} resolves to an address that is not public"
    )
    # Whoever reads the delivery log learns nothing of the internal DNS.
    for answer in REFUSED_AT_SEND[host]:
        assert answer not in outcome.error
    assert outcome.status_code is None
    assert fake_dns == [host]  # resolved once, and nothing connected after the refusal


IP_LITERALS = [u for u in REFUSED_AT_SAVE if u.startswith("http://") and urlsplit(u).hostname]


@pytest.mark.parametrize("url", IP_LITERALS)
def test_ip_literals_are_refused_at_send_too(url: str) -> None:
    """A row written around full_clean() (a raw SQL insert, an old row from before a
    policy change) is still refused when it is sent."""
    outcome = send(url)

    assert outcome.error.startswith("refused before sending"), outcome.error


def test_the_connection_goes_to_the_checked_address_with_the_name_kept(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    asked: list[str] = []
    with Receiver().running() as receiver:
        port = int(receiver.base_url.rsplit(":", 1)[1])

        def lookup(host: str, port_: int) -> list[tuple[object, ...]]:
            asked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]

        monkeypatch.setattr(transport, "_lookup", lookup)
        outcome = send(f"http://hooks.customer.example:{port}/in")

        assert outcome.status_code == 200, outcome.error
        assert asked == ["hooks.customer.example"]
        (received,) = receiver.received
        assert received.headers["host"] == f"hooks.customer.example:{port}"


def test_a_refused_send_is_logged_as_an_attempt(settings: Settings, fake_dns: list[str]) -> None:
    endpoint = WebhookEndpoint(url="https://metadata.example/hook")
    endpoint.full_clean()
    endpoint.save()
    make_testimonial()
    send_everything_due()

    (attempt,) = DeliveryAttempt.objects.all()
    assert attempt.status_code is None
    assert attempt.error.startswith(
        "refused before sending: metadata.example resolves to an address that is not public"
    )
    assert "169.254" not in attempt.error
    assert "WEBHOOKS_ALLOWED_NETWORKS" in attempt.error
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)  # retried on schedule


# Every row of the IANA special-purpose registries, by an address inside it (the first,
# the last, and one in the middle), refused at save and at send.
@pytest.mark.parametrize("block", [str(b) for b, _ in ssrf.IPV4_SPECIAL + ssrf.IPV6_SPECIAL])
def test_every_special_purpose_block_is_refused(block: str) -> None:
    network = ipaddress.ip_network(block)
    samples = {network[0], network[-1], network[network.num_addresses // 2]}
    for address in samples:
        if network in (ssrf._NAT64, ssrf._6TO4):
            continue  # judged by the IPv4 they embed: below
        assert ssrf.refusal_reason(address) is not None, address
        host = f"[{address}]" if address.version == 6 else str(address)
        with pytest.raises(ValidationError):
            WebhookEndpoint(url=f"https://{host}/hook").full_clean()
        assert send(f"https://{host}/hook").error.startswith("refused before sending"), address


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("64:ff9b::808:808", False),  # NAT64 of a public address
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 of the metadata address
        ("64:ff9b::7f00:1", True),
        ("2002:808:808::1", False),  # 6to4 of a public address
        ("2002:c0a8:0101::1", True),  # 6to4 of 192.168.1.1
        ("2001:4860:4860::8888", False),
        ("8.8.8.8", False),
        ("1.1.1.1", False),
    ],
)
def test_translation_prefixes_are_judged_by_the_ipv4_they_embed(
    address: str, refused: bool
) -> None:
    assert (ssrf.refusal_reason(ipaddress.ip_address(address)) is not None) == refused


def test_an_allowed_network_opens_its_translated_forms_too(settings: Settings) -> None:
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert ssrf.refusal_reason(ipaddress.ip_address("10.1.2.3")) is None
    assert ssrf.refusal_reason(ipaddress.ip_address("64:ff9b::a01:203")) is None
    assert ssrf.refusal_reason(ipaddress.ip_address("192.168.1.1")) is not None
