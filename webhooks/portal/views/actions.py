"""What a subscriber does to one of its endpoints beyond editing it: rotate and reveal
its secret, send it a test event, enable it. Each is the domain operation the admin, the
API and the commands call (``webhooks.endpoint_actions``), recorded in the audit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from webhooks import endpoint_actions
from webhooks.access import revealing
from webhooks.endpoint_forms import RotateSecretForm
from webhooks.exceptions import EndpointDisabled
from webhooks.models import PortalLink, SecretRead
from webhooks.portal import access, scoping
from webhooks.subscribers import audit


@access.portal_page
def rotate(request: HttpRequest, link: PortalLink, endpoint_id: int) -> HttpResponse:
    endpoint = scoping.endpoint(link, endpoint_id)
    form = RotateSecretForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        overlap = form.cleaned_data["overlap"]
        secret = endpoint_actions.rotate_secret(endpoint, overlap)
        audit.record(link, "rotated the secret", f"endpoint #{endpoint.pk}", f"overlap {overlap}")
        return render(
            request,
            "portal/secret.html",
            access.context(link, endpoint=endpoint, secrets=[secret], rotated=True),
        )
    return render(request, "portal/rotate.html", access.context(link, endpoint=endpoint, form=form))


@access.portal_page
@require_POST
def reveal(request: HttpRequest, link: PortalLink, endpoint_id: int) -> HttpResponse:
    endpoint = scoping.endpoint(link, endpoint_id)
    secrets = revealing.reveal(
        endpoint,
        by=f"portal link #{link.pk} of {link.subscriber}",
        through=SecretRead.Through.PORTAL,
        link=link,
    )
    audit.record(link, "revealed the secret", f"endpoint #{endpoint.pk}")
    return render(
        request,
        "portal/secret.html",
        access.context(link, endpoint=endpoint, secrets=secrets, rotated=False),
    )


@access.portal_page
@require_POST
def send_test(request: HttpRequest, link: PortalLink, endpoint_id: int) -> HttpResponse:
    endpoint = scoping.endpoint(link, endpoint_id)
    try:
        delivery = endpoint_actions.send_test_event(
            endpoint, requested_by=f"the portal ({link.subscriber})"
        )
    except EndpointDisabled as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(reverse("portal:endpoint", args=[endpoint.pk]))
    audit.record(link, "sent a test event", f"endpoint #{endpoint.pk}", f"delivery #{delivery.pk}")
    messages.success(request, "A webhook.test event is on its way; its attempts show below.")
    return HttpResponseRedirect(reverse("portal:delivery", args=[delivery.pk]))


@access.portal_page
@require_POST
def enable(request: HttpRequest, link: PortalLink, endpoint_id: int) -> HttpResponse:
    endpoint = scoping.endpoint(link, endpoint_id)
    endpoint_actions.enable(endpoint)
    audit.record(link, "enabled an endpoint", f"endpoint #{endpoint.pk}")
    messages.success(request, "Enabled: its waiting deliveries go out again.")
    return HttpResponseRedirect(reverse("portal:endpoint", args=[endpoint.pk]))
