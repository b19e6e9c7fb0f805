"""Each service's Alembic migrations, run on PostgreSQL, give exactly its models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ekinerja_contract import migrate
from ekinerja_contract.db import make_engine

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", migrate.SERVICES)
def test_migrations_match_the_models(service, pg_url):
    import importlib
    models = importlib.import_module(f"services.{service}.models")
    migrate.upgrade(service, pg_url)
    migrate.upgrade(service, pg_url)  # running twice is harmless
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), models.Base.metadata)
    engine.dispose()
    assert diff == []
