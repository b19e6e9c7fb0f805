"""Login, JWTs and the role checks every route declares.

A token names its account and the account's `token_version`. Every request checks
that version against reporting (cached for VERSION_TTL seconds per gateway), so a
password change, a change of roles, a logout, or an account that no longer exists
ends every token within that time. Claims of the wrong type are a 401, never a 500."""
import datetime as dt
import hashlib
import hmac
import time

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
    # Expiry is real elapsed time (PyJWT checks it against the machine's clock).
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(account["account_id"]), "emp": account.get("employee_id"),
              "agency": account.get("agency_id"), "roles": account["roles"],
              "name": account.get("name"), "ver": int(account.get("token_version") or 0),
              "iat": now, "exp": now + dt.timedelta(minutes=ttl_minutes)}
    return jwt.encode(claims, secret, algorithm="HS256")


COOKIE = "ekinerja_token"
DEVICE_COOKIE = "ekinerja_device"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
VERSION_TTL = 5.0  # seconds a gateway trusts a token version it has checked
STALE_OK = 300.0  # ...and how long it may fall back on it while reporting cannot answer
VERSION_RPC_TIMEOUT = 3.0  # a version check must not eat a request's whole time budget


def _invalid(message="invalid token"):
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": "Bearer"})


def _optional_int(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**53:
        raise _invalid()
    return value


def decode(token: str, request: Request) -> Actor:
    """A token's actor, its claims checked for type; the version is checked by
    `authenticate` (a token of a revoked session still decodes here)."""
    return _decode(token, request)[0]


def _decode(token: str, request: Request) -> tuple[Actor, int]:
    try:
        claims = jwt.decode(token, request.app.state.settings.jwt_secret,
                            algorithms=["HS256"], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "token_expired", "your session has expired; log in again",
                       headers={"WWW-Authenticate": "Bearer"}) from None
    except jwt.InvalidTokenError:
        raise _invalid() from None
    sub, roles, version = claims.get("sub"), claims.get("roles", []), claims.get("ver", 0)
    if not (isinstance(sub, str) and sub.isascii() and sub.isdigit() and len(sub) < 16
            and int(sub) > 0):
        raise _invalid()
    if not (isinstance(roles, list) and all(isinstance(r, str) and len(r) < 40 for r in roles)):
        raise _invalid()
    if isinstance(version, bool) or not isinstance(version, int):
        raise _invalid()
    actor = Actor(account_id=int(sub), employee_id=_optional_int(claims.get("emp")),
                  agency_id=_optional_int(claims.get("agency")), roles=roles,
                  origin=request.client.host if request.client else None)
    return actor, version


async def authenticate(token: str, request: Request) -> Actor:
    """Decode and check the token is still the account's current version."""
    actor, version = _decode(token, request)
    request.state.agency_id = actor.agency_id  # whose request it is, to the traffic count
    if await current_version(request, actor.account_id) != version:
        raise ApiError(401, "token_revoked", "this session has ended; log in again",
                       headers={"WWW-Authenticate": "Bearer"})
    return actor


async def current_version(request: Request, account_id: int) -> int | None:
    """The account's token version (None: no such account), cached for VERSION_TTL.

    If reporting cannot answer in time (a broker outage, a backlog after one), a version
    checked within STALE_OK is used rather than failing every request of the account:
    a revocation then takes effect once reporting answers again. Without one, the
    request fails as the RPC did (503/504)."""
    from ekinerja_contract.errors import NotFound
    from ekinerja_contract.rpc_client import BusUnavailable, RpcTimeout
    from ekinerja_contract.services import Reporting
    cache = request.app.state.__dict__.setdefault("token_versions", {})
    hit = cache.get(account_id)
    now = time.monotonic()
    if hit is not None and now - hit[1] < VERSION_TTL:
        return hit[0]
    try:
        rpc = request.app.state.rpc
        reporting = Reporting(lambda service, method, *args: rpc.call_async(
            service, method, *args, _timeout=VERSION_RPC_TIMEOUT))  # its own, short budget
        version = await reporting.token_version(account_id)
    except NotFound:
        version = None
    except (BusUnavailable, RpcTimeout):
        if hit is not None and now - hit[1] < STALE_OK:
            return hit[0]
        raise
    if len(cache) > 100_000:  # a bound, not an eviction policy: the entries are tiny
        cache.clear()
    cache[account_id] = (version, now)
    return version


def forget_version(request: Request, account_id: int) -> None:
    """After this gateway revoked an account's tokens, do not wait for the cache."""
    request.app.state.__dict__.setdefault("token_versions", {}).pop(account_id, None)


def device_token(secret: str, username: str) -> str:
    """A cookie that says: this browser logged in as `username` before (HMAC)."""
    return hmac.new(secret.encode(), b"device:" + username.lower().encode(),
                    hashlib.sha256).hexdigest()


def is_known_device(request: Request, username: str) -> bool:
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(
        cookie, device_token(request.app.state.settings.jwt_secret, username))


async def current_actor(request: Request,
                        creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Actor:
    """A bearer token (other systems), or the pages' session cookie. A cookie alone
    never authorises a state change unless the request carries X-Requested-With,
    which a cross-site form cannot send (CSRF)."""
    if creds is not None:
        return await authenticate(creds.credentials, request)
    token = request.cookies.get(COOKIE)
    if token:
        if request.method not in SAFE_METHODS and not request.headers.get("x-requested-with"):
            raise ApiError(403, "csrf", "send X-Requested-With with cookie-authenticated changes")
        return await authenticate(token, request)
    raise ApiError(401, "unauthenticated", "log in first", headers={"WWW-Authenticate": "Bearer"})


def require(*roles: str):
    """A dependency that admits only actors holding one of `roles`."""
    async def check(actor: Actor = Depends(current_actor)) -> Actor:
        if not actor.has(*roles):
            raise ApiError(403, "forbidden", f"this needs one of the roles: {', '.join(roles)}")
        return actor
    return check
