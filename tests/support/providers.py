"""Local stand-ins for the outside channels, on loopback, started and stopped by the test.

- `Providers`: one HTTP server answering as WhatsApp's Cloud API
  (POST /{version}/{phone-number-id}/messages) and Telegram's Bot API
  (POST /bot{token}/sendMessage) do, and checking each request against the providers'
  published shapes: a request the real API would refuse gets the real API's error body.
  A test can queue failures (`fail_next`) or refuse a chat for good (`refused_chats`).
- `Mailbox`: a real SMTP server (aiosmtpd) that keeps what it received.

WhatsApp (developers.facebook.com/docs/whatsapp/cloud-api/reference/messages): bearer
token; `messaging_product` "whatsapp"; `to` the number with country code, digits only;
a `template` with `name`, `language.code` and body `parameters` of type text, each with
no new line or tab and no more than four spaces in a row (error 132018 otherwise).
Answer: `{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id"}]}`;
errors: `{"error": {"message", "type", "code", "fbtrace_id"}}`.

Telegram (core.telegram.org/bots/api#sendmessage): the token in the path ("123456:ABC…");
`chat_id` an integer or a string; `text` 1-4096 characters after entities parsing.
Answer: `{"ok": true, "result": Message}`; errors: `{"ok": false, "error_code",
"description"}`."""
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler

from aiosmtpd.controller import Controller

from .infra import LoopbackHTTP, free_port

WHATSAPP_TOKEN = "EAAtest-token-for-the-fake-cloud-api"
WHATSAPP_PHONE_ID = "109876543210"
TELEGRAM_TOKEN = "123456789:AAHtestTokenForTheFakeBotApi_abcdefgh"


class Providers(LoopbackHTTP):
    def __init__(self):
        self.received: list[dict] = []
        self.fail_next: dict[str, list[int]] = {"whatsapp": [], "telegram": []}
        self.refused_chats: set[str] = set()
        self.updates: list[dict] = []  # what people sent the bot, as getUpdates answers it
        self.update_id = 1000
        self.lock = threading.Lock()
        self._listen(self._handler())

    def env(self) -> dict[str, str]:
        """The notifications service's settings for these stand-ins."""
        return {"NOTIFY_WHATSAPP_TOKEN": WHATSAPP_TOKEN, "NOTIFY_WHATSAPP_PHONE_NUMBER_ID": WHATSAPP_PHONE_ID,
                "NOTIFY_WHATSAPP_API_URL": f"{self.url}/v21.0", "NOTIFY_TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
                "NOTIFY_TELEGRAM_API_URL": self.url}

    def of(self, provider: str, accepted: bool | None = True) -> list[dict]:
        with self.lock:
            return [r for r in self.received if r["provider"] == provider
                    and (accepted is None or r["accepted"] == accepted)]

    def _handler(self):
        providers = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = None
                if self.path == f"/v21.0/{WHATSAPP_PHONE_ID}/messages":
                    status, answer = providers._whatsapp(self.headers.get("Authorization"), payload)
                    provider = "whatsapp"
                elif self.path == f"/bot{TELEGRAM_TOKEN}/getUpdates":
                    status, answer = providers._updates(payload)
                    provider = "telegram-updates"
                elif self.path == f"/bot{TELEGRAM_TOKEN}/sendMessage":
                    status, answer = providers._telegram(payload)
                    provider = "telegram"
                elif self.path.startswith("/bot"):
                    status, answer, provider = 401, {"ok": False, "error_code": 401,
                                                     "description": "Unauthorized"}, "telegram"
                else:
                    status, answer, provider = 404, {"error": {"message": "Unknown path"}}, "unknown"
                with providers.lock:
                    queued = providers.fail_next.get(provider) or []
                    if status == 200 and queued:
                        status = queued.pop(0)
                        answer = {"error": {"message": "Service temporarily unavailable", "type": "OAuthException",
                                            "code": 2, "fbtrace_id": "Atest"}} if provider == "whatsapp" else \
                            {"ok": False, "error_code": status, "description": "Internal Server Error"}
                    providers.received.append({"provider": provider, "path": self.path, "payload": payload,
                                               "status": status, "accepted": status == 200, "at": time.time()})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _whatsapp(self, authorization, p) -> tuple[int, dict]:
        def error(code: int, message: str, status: int = 400):
            return status, {"error": {"message": message, "type": "OAuthException", "code": code,
                                      "fbtrace_id": "Atest"}}
        if authorization != f"Bearer {WHATSAPP_TOKEN}":
            return error(190, "Invalid OAuth access token - Cannot parse access token", 401)
        if not isinstance(p, dict) or p.get("messaging_product") != "whatsapp":
            return error(100, "(#100) The parameter messaging_product is required.")
        to = p.get("to")
        if not isinstance(to, str) or not re.fullmatch(r"[1-9][0-9]{7,14}", to):
            return error(100, "(#100) Invalid parameter: to")
        template = p.get("template")
        if p.get("type") != "template" or not isinstance(template, dict) or not template.get("name") \
                or not isinstance(template.get("language"), dict) or not template["language"].get("code"):
            return error(100, "(#100) Invalid parameter: template")
        for component in template.get("components") or []:
            for parameter in component.get("parameters") or []:
                text = parameter.get("text")
                if parameter.get("type") != "text" or not isinstance(text, str) or not text:
                    return error(100, "(#100) Invalid parameter: text")
                if "\n" in text or "\t" in text or "     " in text:
                    return error(132018, "(#132018) There was an issue with the parameters in your template.")
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                     "messages": [{"id": f"wamid.TEST{len(self.received)}"}]}

    def _updates(self, p) -> tuple[int, dict]:
        """getUpdates: the updates from `offset` on; asking with an offset confirms (drops)
        the ones before it, as Telegram does."""
        offset = int((p or {}).get("offset") or 0)
        with self.lock:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return 200, {"ok": True, "result": list(self.updates)}

    def person_sends(self, chat_id: int, text: str) -> None:
        with self.lock:
            self.update_id += 1
            self.updates.append({"update_id": self.update_id, "message": {
                "message_id": self.update_id, "date": int(time.time()), "text": text,
                "chat": {"id": chat_id, "type": "private"}, "from": {"id": chat_id, "is_bot": False,
                                                                       "first_name": "Sari"}}})

    def _telegram(self, p) -> tuple[int, dict]:
        def error(description: str, status: int = 400):
            return status, {"ok": False, "error_code": status, "description": description}
        if not isinstance(p, dict) or not isinstance(p.get("chat_id"), int | str) or p.get("chat_id") == "":
            return error("Bad Request: chat_id is empty")
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            return error("Bad Request: message text is empty")
        if len(text) > 4096:
            return error("Bad Request: message is too long")
        if str(p["chat_id"]) in self.refused_chats:
            return error("Bad Request: chat not found")
        return 200, {"ok": True, "result": {"message_id": len(self.received) + 1,
                                            "chat": {"id": p["chat_id"], "type": "private"},
                                            "date": int(time.time()), "text": text}}


class Mailbox:
    """aiosmtpd on a free loopback port; `messages` holds each message's raw text."""

    def __init__(self):
        self.messages: list[dict] = []
        self.port = free_port()
        mailbox = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.endswith("@nowhere.invalid"):
                    return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                mailbox.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                         "data": envelope.content.decode("utf-8", errors="replace")})
                return "250 Message accepted for delivery"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> "Mailbox":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def env(self) -> dict[str, str]:
        return {"NOTIFY_SMTP_HOST": "127.0.0.1", "NOTIFY_SMTP_PORT": str(self.port),
                "NOTIFY_SMTP_FROM": "e-kinerja@pemkot.test"}
