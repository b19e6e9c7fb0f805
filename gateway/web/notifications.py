"""The bell's pages: a person's notices (/pemberitahuan) and their preferences
(/pemberitahuan/pengaturan): contacts checked as entered, choices per kind and channel,
quiet hours, and a channel shown as failing with the provider's reason."""
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ekinerja_contract.errors import InvalidInput
from ekinerja_contract.schemas import Actor

from .. import messages
from ..api import Svc, rpc
from .routes import back, form_id, page_actor, render, same_origin

router = APIRouter(include_in_schema=False)
CHANNEL_NAMES = {"in_app": "Aplikasi", "email": "E-mail", "whatsapp": "WhatsApp", "telegram": "Telegram"}


@router.get("/pemberitahuan", response_class=HTMLResponse)
async def notifications_page(request: Request, actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    """Newest first; what was unread is marked "baru" on this visit and read after it,
    as a bell's list does."""
    before = form_id(request.query_params.get("sebelum"))
    listed = await svc.notifications.notifications(actor, before)
    fresh = [n["id"] for n in listed["items"] if not n["read"]]
    if fresh:
        await svc.notifications.mark_read(actor, fresh)
        request.state.unread = max(0, listed["unread"] - len(fresh))
    return render(request, "notifications.html", actor, listed=listed)


def _form_preferences(form) -> dict:
    """The form as the API's body: every kind's boxes (none ticked: the kind is off)."""
    choices: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if key.startswith("kind."):
            choices.setdefault(key[5:], []).append(str(value))
    for kind in str(form.get("kinds", "")).split(","):
        if kind:
            choices.setdefault(kind, [])
    return {"contacts": {ch: str(form.get(ch, "")) for ch in ("email", "whatsapp", "telegram")
                         if ch in form},
            "choices": choices,
            "quiet_start": str(form.get("quiet_start") or "") or None,
            "quiet_end": str(form.get("quiet_end") or "") or None}


@router.get("/pemberitahuan/pengaturan", response_class=HTMLResponse)
async def preferences_page(request: Request, actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    prefs = await svc.notifications.preferences(actor)
    return render(request, "notification_settings.html", actor, prefs=prefs, names=CHANNEL_NAMES,
                  errors={}, entered={})


@router.post("/pemberitahuan/pengaturan", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
async def save_preferences(request: Request, actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    form = await request.form()
    body = _form_preferences(form)
    try:
        await svc.notifications.set_preferences(actor, body)
    except InvalidInput as refused:
        # the form again, as entered, each wrong field with its reason in Indonesian
        errors = {str(d.get("field", "")): messages.reason_only(d) or messages.display(refused.code)
                  for d in refused.details}
        prefs = await svc.notifications.preferences(actor)
        return render(request, "notification_settings.html", actor, status_code=422, prefs=prefs,
                      names=CHANNEL_NAMES, errors=errors, entered=body["contacts"],
                      problem=messages.display(refused.code, refused.params))
    return back(request, "/pemberitahuan/pengaturan", "Pengaturan pemberitahuan disimpan.")


@router.post("/pemberitahuan/uji", dependencies=[Depends(same_origin)])
async def send_test(request: Request, actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    form = await request.form()
    channel = str(form.get("channel", ""))
    if channel not in ("email", "whatsapp", "telegram"):
        return back(request, "/pemberitahuan/pengaturan", "Saluran itu tidak dikenal.", "error")
    result = await svc.notifications.send_test(actor, channel)
    name = CHANNEL_NAMES[channel]
    if not result["sent"]:
        return back(request, "/pemberitahuan/pengaturan",
                    f"Pesan uji lewat {name} tidak dikirim: simpan alamatnya dulu, atau tunggu satu menit "
                    "sejak pesan uji sebelumnya.", "error")
    return back(request, "/pemberitahuan/pengaturan",
                f"Pesan uji dikirim lewat {name}. Bila tidak sampai dalam beberapa menit, periksa alamatnya; "
                "bila pengiriman gagal, alasannya tampil di bawah alamat itu.")
