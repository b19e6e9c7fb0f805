"""Login, JWTs and the role checks every route declares."""
import datetime as dt

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ekinerja_contract.schemas import Actor

from .errors import ApiError

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")
_bearer = HTTPBearer(auto_error=False, description="JWT from POST /api/v1/auth/login")


async def hash_password(password: str) -> str:
    return await run_in_threadpool(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Runs off the event loop; unknown users cost the same time as known ones."""
    def verify():
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerifyMismatchError, InvalidHashError):
            return False
    return await run_in_threadpool(verify)


def issue_token(account: dict, secret: str, ttl_minutes: int) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    claims = {"sub": str(account["account_id"]), "emp": account.get("employee_id"),
              "agency": account.get("agency_id"), "roles": account["roles"],
              "name": account.get("name"), "iat": now,
              "exp": now + dt.timedelta(minutes=ttl_minutes)}
    return jwt.encode(claims, secret, algorithm="HS256")


COOKIE = "ekinerja_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def decode(token: str, request: Request) -> Actor:
    try:
        claims = jwt.decode(token, request.app.state.settings.jwt_secret,
                            algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "your session has expired; log in again",
                       headers={"WWW-Authenticate": "Bearer"}) from None
    except jwt.InvalidTokenError:
        raise ApiError(401, "unauthenticated", "invalid token",
                       headers={"WWW-Authenticate": "Bearer"}) from None
    return Actor(account_id=int(claims["sub"]), employee_id=claims.get("emp"),
                 agency_id=claims.get("agency"), roles=claims.get("roles", []),
                 origin=request.client.host if request.client else None)


async def current_actor(request: Request,
                        creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Actor:
    """A bearer token (other systems), or the pages' session cookie. A cookie alone
    never authorises a state change unless the request carries X-Requested-With,
    which a cross-site form cannot send (CSRF)."""
    if creds is not None:
        return decode(creds.credentials, request)
    token = request.cookies.get(COOKIE)
    if token:
        if request.method not in SAFE_METHODS and not request.headers.get("x-requested-with"):
            raise ApiError(403, "csrf", "send X-Requested-With with cookie-authenticated changes")
        return decode(token, request)
    raise ApiError(401, "unauthenticated", "log in first", headers={"WWW-Authenticate": "Bearer"})


def require(*roles: str):
    """A dependency that admits only actors holding one of `roles`."""
    async def check(actor: Actor = Depends(current_actor)) -> Actor:
        if not actor.has(*roles):
            raise ApiError(403, "forbidden", f"this needs one of the roles: {', '.join(roles)}")
        return actor
    return check
