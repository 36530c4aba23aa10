"""通知: the user's own notifications (the list behind the navbar's bell), opening one (which marks it read and
follows its link), marking all read, how they come by email, and push to this device.

Each view handles the signed-in user's own rows only (sijin/core/notifications.py): another user's notification
is a 404, never a 403, so its existence is not revealed.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from sijin.accounts.http import AuthenticatedRequest
from sijin.core import notifications as service
from sijin.core import webpush
from sijin.core.models import EmailMode
from sijin.core.pagination import paginate

PER_PAGE = 20


@login_required
@require_safe
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    page = paginate(request, service.notifications_for(request.user), PER_PAGE)
    return render(
        request,
        "desk/notification_list.html",
        {
            "page_obj": page,
            "unread": service.notification_unread_count(request.user),
            "email_mode": service.email_mode(request.user),
            "email_modes": EmailMode.choices,
            "has_email": bool(request.user.email),
            "vapid_public_key": webpush.vapid_keys()[1],
        },
    )


@login_required
@require_safe
def notification_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Opening a notification (from the list, a mail, a push) reads it and goes where it points."""
    notification = service.get_notification_for(request.user, pk)
    service.notification_read(user=request.user, notification=notification)
    return redirect(notification.url or reverse("desk:notification_list"))


@login_required
@require_POST
def notification_read_all(request: AuthenticatedRequest) -> HttpResponse:
    count = service.notification_read_all(user=request.user)
    messages.success(request, _("已将%(n)s条通知标为已读。") % {"n": count})
    return redirect("desk:notification_list")


@login_required
@require_POST
def notification_email_set(request: AuthenticatedRequest) -> HttpResponse:
    try:
        pref = service.notification_email_set(actor=request.user, email=request.POST.get("email", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("邮件通知已设为“%(mode)s”。") % {"mode": pref.get_email_display()})
    return redirect("desk:notification_list")


@login_required
@require_POST
def push_subscription(request: AuthenticatedRequest) -> HttpResponse:
    """The push toggle's calls (notifications.js): ``{"endpoint", "keys": {"p256dh", "auth"}}`` turns push on
    for this browser, ``{"endpoint", "remove": true}`` turns it off."""
    try:
        data = json.loads(request.body or b"{}")
        endpoint = str(data.get("endpoint") or "")
        keys = data.get("keys") or {}
        if data.get("remove"):
            service.push_subscription_remove(actor=request.user, endpoint=endpoint)
        else:
            service.push_subscription_add(
                actor=request.user,
                endpoint=endpoint,
                p256dh=str(keys.get("p256dh") or ""),
                auth=str(keys.get("auth") or ""),
            )
    except (ValueError, AttributeError):
        return JsonResponse({"error": _("请求格式不正确。")}, status=400)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return HttpResponse(status=204)
