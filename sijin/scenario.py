"""A campaign told through the service functions by the people in it: the steps that the Binzhou demo
(sijin/demo.py) and the test suite's small world (sijin/testing.py) both take.

Every step finds what exists first (the ``*_ensure`` services; an action a problem has already taken is not
taken again), so a loader built on them changes nothing when it runs twice.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import services as campaigns
from sijin.campaigns.models import Campaign, Target, WorkGroup
from sijin.campaigns.services import Configuration
from sijin.directory.models import Organization, Person
from sijin.fieldwork import services as fieldwork
from sijin.fieldwork.models import Outcome, Visit
from sijin.problems.models import Problem
from sijin.problems.services import problem_ensure
from sijin.problems.workflow import problem_transition


def admin_ensure(*, password: str, display_name: str) -> User:
    """The system admin (``admin``, 系统管理员: not a superuser, which only the command line makes), who sets
    the campaign up. Loaders make logins as the command line (``actor=None``)."""
    return user_role_ensure(
        actor=None, username="admin", password=password, role=Role.ADMIN, display_name=display_name
    )


@dataclass
class Scenario:
    """What a loader has made so far, by name, and who acts: the group's ``member`` (a person and a login)
    records targets, visits, problems and outcomes; the other logins take the workflow's steps."""

    campaign: Campaign
    config: Configuration
    org: dict[str, Organization] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    group: WorkGroup | None = None
    targets: dict[str, Target] = field(default_factory=dict)

    @property
    def the_group(self) -> WorkGroup:
        assert self.group is not None, "the work group comes first"
        return self.group

    def target(self, kind: str, name: str, **fields: Any) -> Target:
        """A target of the group in its region, its member responsible for it (责任到人)."""
        target = campaigns.target_ensure(
            actor=self.users["member"],
            campaign=self.campaign,
            kind=self.config.kinds[kind],
            name=name,
            region=self.the_group.region,
            group=self.the_group,
            responsible=self.people["member"],
            **fields,
        )
        self.targets[name] = target
        return target

    def visit(
        self, targets: list[Target], on: date, mode: str, purpose: str, notes: str, **fields: Any
    ) -> Visit:
        """A visit of the group's member (the participants, unless ``fields`` name others)."""
        return fieldwork.visit_ensure(
            actor=self.users["member"],
            group=self.the_group,
            targets=targets,
            date=on,
            mode=mode,
            purpose=purpose,
            notes=notes,
            **{"participants": [self.people["member"]], **fields},
        )

    def problem(
        self, target: Target, title: str, visit: Visit, category: str, on: date, **fields: Any
    ) -> Problem:
        """A problem the member found on ``visit`` and is responsible for."""
        return problem_ensure(
            actor=self.users["member"],
            target=target,
            title=title,
            reported_on=on,
            visit=visit,
            category=self.config.categories[category],
            responsible=self.people["member"],
            **fields,
        )

    def step(self, problem: Problem, action: str, username: str, on: date, **fields: Any) -> Problem:
        """``username`` takes ``action`` on the problem (refreshed in place), unless it has been taken."""
        if not problem.events.filter(action=action).exists():
            problem_transition(
                actor=self.users[username], problem=problem, action=action, on_date=on, **fields
            )
        return problem

    def outcome(self, target: Target, indicator: str, value: str, on: date, **fields: Any) -> Outcome:
        """An outcome the member recorded, as typed (“2万斤”)."""
        return fieldwork.outcome_ensure(
            actor=self.users["member"],
            target=target,
            indicator=self.config.indicators[indicator],
            value=value,
            date=on,
            **fields,
        )
