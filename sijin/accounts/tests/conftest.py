import pytest

from sijin.accounts.models import Role, User
from sijin.accounts.services import role_grant, user_ensure

STRONG = "Sijin-2025-strong!"


@pytest.fixture
def security(world) -> User:
    """The security admin (安全管理员), appointed at the command line."""
    user = user_ensure(actor=None, username="security", password=STRONG, display_name="安全管理员")
    role_grant(actor=None, user=user, role=Role.SECURITY)
    return user


@pytest.fixture
def newcomer(world) -> User:
    """A login with no role yet."""
    return user_ensure(actor=None, username="newcomer", password=STRONG, display_name="新同事")
