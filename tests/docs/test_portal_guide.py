"""docs/portal.md's five steps, followed as an operator would: add a subscriber in the
admin, make a link with the page's own command (a real ``manage.py``), open it."""

from __future__ import annotations

import re
import shlex

import pytest
from django.test import Client

from tests.support.processes import ROOT, child_env, manage
from tests.support.worker import database_url
from webhooks.models import PortalLink, Subscriber

pytestmark = pytest.mark.django_db(transaction=True)

GUIDE = (ROOT / "docs" / "portal.md").read_text()


def test_the_five_steps_hand_a_team_its_portal(admin_client: Client) -> None:
    steps = GUIDE.split("## Handing a portal to a team")[1].split("\n## ")[0]
    assert len(re.findall(r"^\d\. ", steps, re.MULTILINE)) == 5

    # 1-2: the subscriber, added in the admin.
    added = admin_client.post(
        "/admin/webhooks/subscriber/add/", {"name": "CRM team", "max_endpoints": 10}
    )
    assert added.status_code == 302, added.content.decode()
    subscriber = Subscriber.objects.get(name="CRM team")

    # 3: the command exactly as the page writes it.
    [command] = re.findall(r"`\.venv/bin/python manage\.py (create_portal_link [^`]+)`", steps)
    made = manage(*shlex.split(command), env=child_env(DATABASE_URL=database_url()))
    assert made.returncode == 0, made.stderr
    url = made.stdout.strip()
    assert "/portal/enter/" in url
    assert PortalLink.objects.get(subscriber=subscriber).created_by.startswith("manage.py")

    # 4-5: the team opens it and lands on its endpoints.
    team = Client()
    path = url[url.index("/portal/enter/") :]
    assert team.get(path)["Location"] == "/portal/enter/"
    assert "Open the portal of CRM team" in team.get("/portal/enter/").content.decode()
    assert team.post("/portal/enter/")["Location"] == "/portal/"
    page = team.get("/portal/").content.decode()
    assert "Your endpoints" in page
    assert "Add an endpoint" in page
