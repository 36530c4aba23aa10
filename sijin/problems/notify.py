"""Who is told of a step of a problem, and what (the in-app notification, mailed and pushed as each user chose:
sijin/core/notifications.py). ``problem_transition`` calls ``notify_step`` once its event is written; the
sweep's 催办/督办 are told in problems.sweep, the office's 催办 in problems.supervision.

- 分级交办 / 恢复办理 → the handling unit's handlers (the named handler, else the unit's handlers);
- a ruling on a 退回 (维持交办, 改派, 撤销 …) → whoever returned it;
- 批准/驳回延期 → whoever asked for it;
- 办结 (by the unit, or 现场解决) → the group, whose 回访 is now due;
- 提级 → the office that now holds it.
Nobody is told of their own step (but of a 提级 to their own office).
"""

from django.urls import reverse

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.core.notifications import notification_send

from .models import Action, Problem, ProblemEvent, Status

A = Action
S = Status


def notify_step(*, actor: User | None, problem: Problem, event: ProblemEvent) -> None:
    """Notify the people ``event`` (just written on ``problem``) concerns."""
    url = reverse("problems:problem_detail", args=[problem.pk])

    def send(users: list[User], kind: str, title: str, body: str, *, actor_too: bool = False) -> None:
        users = [u for u in users if actor_too or actor is None or u.pk != actor.pk]
        if users:
            joined = f"{title}{'' if title.endswith('】') else ':'}{problem.title}"
            notification_send(users=users, kind=kind, title=joined, body=body, url=url)

    action, where = event.action, f"{problem.target.name}的问题“{problem.title}”"
    if action in (A.TRIAGE, A.RESUME) and problem.handling_org_id:
        send(
            access.problem_handlers(problem),
            A.TRIAGE,
            "【交办】待签收",
            f"{where}已交办{problem.handling_org},请于{_day(problem.accept_by)}前签收,"
            f"办结期限{_day(problem.deadline)}。",
        )
    if event.from_status == S.RETURNED and action != A.RETURN:
        returned = problem.events.filter(action=A.RETURN, id__lt=event.pk).order_by("-id").first()
        if returned is not None and returned.actor is not None:
            if action == A.UPHOLD:
                ruling = "退回未予同意,维持交办,请签收办理"
            elif action == A.TRIAGE:
                ruling = f"退回已同意,已改派{problem.handling_org or '其他单位'}"
            else:
                ruling = f"退回后,活动办已{Action.label_of(action)}"
            note = f"说明:{event.comment}" if event.comment else ""
            send([returned.actor], action, "【退回处理】", f"{where}{ruling}。{note}")
    if action in (A.APPROVE_EXTENSION, A.REJECT_EXTENSION):
        asked = (event.data or {}).get("request")
        request = ProblemEvent.objects.filter(pk=asked).first() if asked else None
        if request is not None and request.actor is not None:
            if action == A.APPROVE_EXTENSION:
                body = f"{where}的延期申请已批准,办结期限延至{_day(problem.deadline)}。"
            else:
                body = f"{where}的延期申请未获批准。{event.comment}"
            send([request.actor], action, f"【{Action.label_of(action)}】", body)
    if event.to_status == S.RESOLVED and event.from_status != S.RESOLVED:
        send(
            access.problem_group_users(problem),
            A.VERIFY,
            "【待回访】已办结",
            f"{where}已办结:{problem.resolution}。请回访服务对象,确认是否满意。",
        )
    if action == A.ESCALATE:
        offices = [u for u, _region in access.offices_over(problem.region_id, problem.office_level)]
        send(
            offices,
            A.ESCALATE,
            "【提级】待交办",
            f"{problem.target.name} 的问题提级至{problem.get_level_display()},请分级交办。",
            actor_too=True,  # an office may escalate to its own level: its other cadres and itself now hold it
        )


def _day(value) -> str:
    return f"{value:%Y年%m月%d日}" if value else "(未定)"
