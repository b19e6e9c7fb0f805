"""One-time messages after a form ("Laporan terkirim.", or what went wrong), carried
in a short-lived cookie signed with the gateway's secret. Never from the query
string: a link must not be able to put words in the site's mouth."""
import base64
import hashlib
import hmac
import json

COOKIE = "ekinerja_flash"
KINDS = ("ok", "error")


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), b"flash:" + payload, hashlib.sha256).hexdigest()[:32]


def set_flash(response, secret: str, kind: str, text: str, details: list[str] | None = None):
    payload = base64.urlsafe_b64encode(json.dumps(
        {"k": kind, "t": text[:500], "d": [d[:300] for d in (details or [])[:20]]},
        ensure_ascii=False).encode())
    response.set_cookie(COOKIE, payload.decode() + "." + _sign(secret, payload), max_age=120,
                        httponly=True, samesite="strict", path="/")
    return response


def take_flash(request, secret: str) -> dict | None:
    """The message set by the last redirect, if it is ours; the caller deletes the cookie."""
    raw = request.cookies.get(COOKIE, "")
    payload, _, signature = raw.rpartition(".")
    if not payload or not hmac.compare_digest(signature, _sign(secret, payload.encode())):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return None
    if data.get("k") not in KINDS or not isinstance(data.get("t"), str):
        return None
    return {"kind": data["k"], "text": data["t"],
            "details": [d for d in data.get("d", []) if isinstance(d, str)]}
