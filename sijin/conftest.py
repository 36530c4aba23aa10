import pytest

from sijin.directory.services import regions_load


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Argon2 is deliberately slow; tests log in with MD5 (production keeps Argon2, see settings)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Reference data and the Binzhou demo are loaded once per test database; each test then runs in a
    # transaction that is rolled back.
    from sijin.demo import load_demo

    with django_db_blocker.unblock():
        regions_load()
        load_demo()


@pytest.fixture
def demo(db):
    """The Binzhou demo, loaded through the services (as `sijin demo` does).

    Idempotent and cheap when loaded; reloads it after a transactional test has flushed the database.
    """
    from sijin.demo import load_demo

    return load_demo()


@pytest.fixture
def regions_back(django_db_blocker):
    """Transactional tests empty every table: put the regions and the demo back for the tests after them."""
    yield
    from sijin.demo import load_demo

    with django_db_blocker.unblock():
        regions_load()
        load_demo()


def pytest_terminal_summary(terminalreporter):
    import os

    if not os.path.exists("/usr/bin/chromium"):
        terminalreporter.write_line(
            "*** BROWSER TESTS SKIPPED: /usr/bin/chromium is missing (apt-get install chromium) ***",
            red=True,
            bold=True,
        )
