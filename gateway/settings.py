"""Gateway settings, all from the environment."""
import logging
import os
import secrets
from dataclasses import dataclass, field

from ekinerja_contract import config

log = logging.getLogger(__name__)


def _jwt_secret() -> str:
    secret = os.environ.get("GATEWAY_JWT_SECRET")
    if not secret:
        log.warning("GATEWAY_JWT_SECRET is not set: using a random one (tokens die on restart)")
        secret = secrets.token_urlsafe(32)
    return secret


@dataclass(frozen=True)
class Settings:
    amqp_uri: str = field(default_factory=config.amqp_uri)
    jwt_secret: str = field(default_factory=_jwt_secret)
    token_ttl_minutes: int = field(default_factory=lambda: config.env_int("GATEWAY_TOKEN_TTL_MINUTES", 60))
    rpc_timeout: float = field(default_factory=lambda: float(os.environ.get("GATEWAY_RPC_TIMEOUT", "15")))
    # the same AMQP_HEARTBEAT as the services' (config.yml); the gateway's own default is
    # shorter because a person waits on every call it makes
    amqp_heartbeat: int = field(default_factory=lambda: config.env_int("AMQP_HEARTBEAT", 30))
    max_upload_bytes: int = field(
        default_factory=lambda: config.env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
