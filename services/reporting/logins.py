"""Login throttling and token revocation.

Why not a hard lock: five wrong passwords from anywhere locked an account for 15
minutes, so anyone could lock anyone out, and only known usernames locked, which
told an attacker which usernames exist. Instead each username (known or not, kept
alike) earns a growing delay after FREE_FAILURES failures in a row: 30 s, 60 s,
2 min ... at most 15 min. The account's owner on a device they logged in from
before is not held back (the gateway's device cookie); an admin can clear it. A
delay starting and an admin clearing it are audited.

Tokens carry the account's `token_version`; a password change, a change of roles
and a logout raise it, so every token issued before stops working."""
import datetime as dt

from sqlalchemy import select

from ekinerja_contract import clock

from .models import Account, LoginThrottle

FREE_FAILURES = 5
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 15 * 60
FORGET_AFTER = dt.timedelta(hours=24)


def delay_after(failures: int) -> int:
    """Seconds to wait after `failures` wrong passwords in a row."""
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_DELAY_SECONDS * 2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)


def retry_after(row: LoginThrottle | None, now: dt.datetime) -> int:
    if row is None or row.blocked_until is None:
        return 0
    until = clock.as_utc(row.blocked_until)
    return max(0, int((until - now).total_seconds() + 0.999))


def record(s, username: str, succeeded: bool, now: dt.datetime) -> tuple[LoginThrottle, bool]:
    """Count an attempt; (the row, whether a delay starts now). A success clears it;
    failures older than a day are forgotten."""
    key = username.lower()[:60]
    row = s.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        row = LoginThrottle(username=key, failures=0)
        s.add(row)
    if succeeded:
        row.failures, row.blocked_until = 0, None
        return row, False
    if row.last_failure_at is not None and now - clock.as_utc(row.last_failure_at) > FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    delay = delay_after(row.failures)
    row.blocked_until = now + dt.timedelta(seconds=delay) if delay else None
    return row, row.failures == FREE_FAILURES


def throttle_of(s, username: str) -> LoginThrottle | None:
    return s.get(LoginThrottle, username.lower()[:60])


def clear(s, username: str) -> bool:
    row = throttle_of(s, username)
    if row is None or not row.failures:
        return False
    row.failures, row.blocked_until = 0, None
    return True


def revoke_tokens(account: Account) -> int:
    account.token_version = (account.token_version or 0) + 1
    return account.token_version


def find(s, username: str) -> Account | None:
    return s.scalar(select(Account).where(Account.username == username))


