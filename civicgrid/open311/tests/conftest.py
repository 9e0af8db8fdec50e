from __future__ import annotations

import pytest

from civicgrid.needs.tests import factories as nf
from civicgrid.open311.tests.helpers import application


@pytest.fixture
def w(db) -> nf.World:
    return nf.world()


@pytest.fixture
def app(db):
    return application()


@pytest.fixture
def admin_client(db, client):
    from civicgrid.network.models import Person

    admin = Person.objects.create_superuser(mobile="13900000009", name="管理员", password="x-12345")
    client.force_login(admin)
    return client
