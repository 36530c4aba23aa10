"""Acting and seeing are decided in one module, and they agree: whoever may act on a problem may see it."""

from sijin.accounts import access
from sijin.accounts.models import Role, User
from sijin.accounts.services import role_grant, user_ensure
from sijin.directory.models import Region, RegionLevel
from sijin.problems.models import Problem
from sijin.problems.workflow import allowed_actions


def test_it_lets_act_only_who_may_see(world):
    # An office cadre elsewhere (another province's city): may neither see nor act on these problems.
    elsewhere = Region.objects.exclude(code__startswith=Problem.objects.first().region_id[:2]).filter(
        level=RegionLevel.PREFECTURE
    )
    far = user_ensure(actor=None, username="far_office", password="x-Far-office-1", display_name="外省活动办")
    role_grant(actor=None, user=far, role=Role.OFFICE, region=elsewhere.first())
    users = list(User.objects.all())
    problems = list(Problem.objects.select_related("group", "region"))
    assert len(users) >= 7 and len(problems) >= 5
    checked = 0
    for user in users:
        visible = set(Problem.objects.visible_to(user).values_list("pk", flat=True))
        for problem in problems:
            if access.acting_roles(user, problem) or allowed_actions(user, problem):
                assert problem.pk in visible, (user.username, problem.title)
                checked += 1
    assert checked > 0  # someone acts on something, so the check above ran


def test_it_gives_roles_to_acting_users_only_within_scope(world):
    """The roles access.acting_roles gives are roles the user holds (or 承办 for a group handling its own)."""
    for user in User.objects.all():
        held = access.roles(user)
        for problem in Problem.objects.select_related("group"):
            extra = access.acting_roles(user, problem) - held
            assert extra <= {"handler"}, (user.username, problem.title, extra)
            if extra:
                assert problem.handled_by_group
