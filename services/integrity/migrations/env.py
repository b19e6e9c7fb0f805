from ekinerja_contract.migrate import run_env
from services.integrity.models import Base

run_env(Base.metadata)
