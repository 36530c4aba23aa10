import pytest
from django.db import transaction

from sijin.testing import World, build_world

# The world as built for the test database; each test gets a deep copy of it (see ``world``).
_built: list[World] = []


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Argon2 is deliberately slow; tests log in with MD5 (production keeps Argon2, see settings)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The regions and the small world (sijin/testing.py) are loaded once per test database; each test then
    # runs in a transaction that is rolled back.
    with django_db_blocker.unblock():
        _built[:] = [build_world()]


@pytest.fixture
def world(db) -> World:
    """The small world of sijin/testing.py, its objects by name: ``world.project``, ``world.users["member"]``.

    A transactional test empties every table when it ends (pytest-django runs those last); the next one that
    asks for the world gets it built again.
    """
    from sijin.accounts.models import User

    if not User.objects.filter(pk=_built[0].users["office"].pk, username="office").exists():
        _built[:] = [build_world()]
    return _built[0].copy()


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The Binzhou demo (sijin/demo.py), loaded once for a module inside a transaction rolled back after it.

    It is loaded on top of the small world: the demo's logins are the world's personas with the demo's grants
    added (``office`` is then 活动办 of 济宁市 and of 滨州市, ``member`` a member of both groups …).
    """
    from sijin.demo import load_demo

    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_module, db) -> dict:
    """The Binzhou demo, for the demo's own tests (test_demo.py, the briefing's reproduction of the report)."""
    return demo_module


def pytest_terminal_summary(terminalreporter):
    import os

    if not os.path.exists("/usr/bin/chromium"):
        terminalreporter.write_line(
            "*** BROWSER TESTS SKIPPED: /usr/bin/chromium is missing (apt-get install chromium) ***",
            red=True,
            bold=True,
        )
