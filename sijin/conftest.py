import pytest

from sijin.directory.services import regions_load


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Regions are reference data: load them once per test database.
    with django_db_blocker.unblock():
        regions_load()


@pytest.fixture
def demo(db):
    """The Binzhou demo, loaded through the services (as `sijin demo` does)."""
    from sijin.demo import load_demo

    return load_demo()
