"""The outside channels, each an adapter with one method: `send(address, title, text,
link, message_key) -> the provider's message id`, raising ChannelError with a reason a
person can be shown. Configured from the environment only (no token in the
repository); a channel without its settings is off, and nobody is offered it.

- email: SMTP (NOTIFY_SMTP_HOST, _PORT, _FROM, optional _USER/_PASSWORD, _STARTTLS=1)
- whatsapp: WhatsApp Business Cloud API, POST {base}/{phone-number-id}/messages with a
  template message, since a business may start a conversation only with an approved
  template (NOTIFY_WHATSAPP_TOKEN, _PHONE_NUMBER_ID, _TEMPLATE, _LANGUAGE, _API_URL)
- telegram: Bot API, POST {base}/bot{token}/sendMessage (NOTIFY_TELEGRAM_BOT_TOKEN,
  _API_URL)
"""
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

import httpx

TIMEOUT = 10.0  # seconds: a provider slower than this counts as failing, and is retried


# Why a channel failed, as the person's page words it (texts.FAILURES): their address,
# the city's settings with the provider, or the provider being away.
ADDRESS, SETTINGS = "address_refused", "provider_config"
AWAY, NOT_CONFIGURED = "provider_down", "not_configured"


class ChannelError(Exception):
    """The provider refused or did not answer. `code` is one of the four above; `reason`
    is the provider's own words, kept on the delivery for admins and in notification.failed."""

    def __init__(self, reason: str, code: str = AWAY):
        super().__init__(reason)
        self.reason, self.code = reason[:500], code


def _http_reason(response: httpx.Response, detail: str | None) -> str:
    return f"HTTP {response.status_code}" + (f": {detail}" if detail else "")


def _http_code(status: int) -> str:
    """A 4xx on a request we made right is about the address; 401/403 the city's token."""
    if status in (401, 403):
        return SETTINGS
    return AWAY if status == 429 or status >= 500 else ADDRESS


class Email:
    name = "email"

    def __init__(self, host: str, port: int, sender: str, user: str | None = None,
                 password: str | None = None, starttls: bool = False):
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls = user, password, starttls

    def send(self, address: str, title: str, text: str, link: str | None, message_key: str) -> str:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, address, f"E-Kinerja: {title}"
        message["Date"] = formatdate(localtime=False)
        domain = self.sender.rsplit("@", 1)[-1]
        # the same delivery always has the same Message-ID: a mail system seeing it twice
        # (a retry after a lost answer) can tell it is one message
        message_id = f"<{message_key}@{domain}>"
        message["Message-ID"] = message_id
        message.set_content(text + (f"\n\nBuka: {link}" if link else "") +
                            "\n\nPesan ini dikirim otomatis oleh E-Kinerja. Pilihan pemberitahuan "
                            "dapat diubah di halaman Pemberitahuan.")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, why = next(iter(error.recipients.values()))
            raise ChannelError(f"SMTP {code}: {_text(why)}", ADDRESS if code >= 500 else AWAY) from error
        except smtplib.SMTPAuthenticationError as error:
            raise ChannelError(f"SMTP {error.smtp_code}: {_text(error.smtp_error)}", SETTINGS) from error
        except smtplib.SMTPResponseException as error:
            raise ChannelError(f"SMTP {error.smtp_code}: {_text(error.smtp_error)}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise ChannelError(f"SMTP: {error or type(error).__name__}") from error
        return message_id


class WhatsApp:
    name = "whatsapp"

    def __init__(self, token: str, phone_number_id: str, template: str, language: str,
                 base_url: str = "https://graph.facebook.com/v21.0"):
        self.url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self.token, self.template, self.language = token, template, language

    @staticmethod
    def _parameter(text: str, room: int = 1000) -> str:
        # a template parameter may hold no new line, no tab and no more than 4 spaces in a row
        flat = " ".join(text.split())
        return flat if len(flat) <= room else flat[:room - 1] + "\u2026"

    def send(self, address: str, title: str, text: str, link: str | None, message_key: str) -> str:
        tail = f" Buka: {link}" if link else ""  # a long reason is shortened, never the link
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": address,
                "type": "template",
                "template": {"name": self.template, "language": {"code": self.language},
                             "components": [{"type": "body", "parameters": [
                                 {"type": "text", "text": self._parameter(title)},
                                 {"type": "text", "text": self._parameter(text, 1000 - len(tail)) + tail}]}]}}
        try:
            response = httpx.post(self.url, json=body, timeout=TIMEOUT,
                                  headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as error:
            raise ChannelError(f"WhatsApp: {type(error).__name__}") from error
        answer = _json(response)
        if response.status_code != 200:
            raw = answer.get("error")
            problem = raw if isinstance(raw, dict) else {}
            code = _http_code(response.status_code)
            if code == ADDRESS and (str(problem.get("code", "")).startswith("132")
                                    or "template" in str(problem.get("message", "")).lower()):
                code = SETTINGS  # the city's template, not the person's number
            raise ChannelError("WhatsApp " + _http_reason(response, problem.get("message")), code)
        try:
            return answer["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as error:
            raise ChannelError("WhatsApp: the answer names no message id") from error


START_REPLY = ("ID obrolan Anda: {chat_id}\n\nSalin angka ini ke kolom Telegram di halaman "
               "Pengaturan pemberitahuan E-Kinerja agar pemberitahuan juga dikirim ke sini.")


class Telegram:
    name = "telegram"

    def __init__(self, token: str, base_url: str = "https://api.telegram.org"):
        self.base = f"{base_url.rstrip('/')}/bot{token}"
        self.url = f"{self.base}/sendMessage"
    def answer_start(self, offset: int) -> tuple[int, int]:
        """A bot cannot find a person by name: whoever sends it /start is answered with
        their chat id, to copy into their preferences. A short poll of getUpdates from
        `offset` (asking with it confirms the updates before; the bot needs no public
        address for a webhook). Returns the next offset and how many were answered."""
        try:
            response = httpx.post(f"{self.base}/getUpdates", timeout=TIMEOUT,
                                  json={"offset": offset, "timeout": 0, "allowed_updates": ["message"]})
            updates = _json(response).get("result") or []
        except httpx.HTTPError:
            return offset, 0
        answered = 0
        for update in updates if isinstance(updates, list) else []:
            offset = max(offset, int(update.get("update_id", 0)) + 1)
            message = update.get("message") or {}
            chat = (message.get("chat") or {}).get("id")
            if chat is not None and str(message.get("text", "")).split("@")[0].strip() == "/start":
                try:
                    httpx.post(self.url, timeout=TIMEOUT,
                               json={"chat_id": chat, "text": START_REPLY.format(chat_id=chat)})
                    answered += 1
                except httpx.HTTPError:
                    pass  # they can send /start again
        return offset, answered

    def send(self, address: str, title: str, text: str, link: str | None, message_key: str) -> str:
        body = {"chat_id": int(address), "text": f"{title}\n\n{text}" + (f"\n\n{link}" if link else ""),
                "link_preview_options": {"is_disabled": True}}
        try:
            response = httpx.post(self.url, json=body, timeout=TIMEOUT)
        except httpx.HTTPError as error:
            raise ChannelError(f"Telegram: {type(error).__name__}") from error
        answer = _json(response)
        if response.status_code != 200 or answer.get("ok") is not True:
            # 400 "chat not found", 403 "bot was blocked by the user": the person's chat
            code = ADDRESS if response.status_code in (400, 403) else _http_code(response.status_code)
            raise ChannelError("Telegram " + _http_reason(response, answer.get("description")), code)
        return str(answer["result"]["message_id"])


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _json(response: httpx.Response) -> dict:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def from_environment(env=os.environ) -> dict:
    """The channels this deployment has settings for, by name."""
    channels: dict = {}
    if env.get("NOTIFY_SMTP_HOST"):
        channels["email"] = Email(env["NOTIFY_SMTP_HOST"], int(env.get("NOTIFY_SMTP_PORT") or 25),
                                  env.get("NOTIFY_SMTP_FROM") or "e-kinerja@localhost",
                                  env.get("NOTIFY_SMTP_USER") or None,
                                  env.get("NOTIFY_SMTP_PASSWORD") or None,
                                  env.get("NOTIFY_SMTP_STARTTLS") == "1")
    if env.get("NOTIFY_WHATSAPP_TOKEN") and env.get("NOTIFY_WHATSAPP_PHONE_NUMBER_ID"):
        channels["whatsapp"] = WhatsApp(env["NOTIFY_WHATSAPP_TOKEN"], env["NOTIFY_WHATSAPP_PHONE_NUMBER_ID"],
                                        env.get("NOTIFY_WHATSAPP_TEMPLATE") or "ekinerja_notifikasi",
                                        env.get("NOTIFY_WHATSAPP_LANGUAGE") or "id",
                                        env.get("NOTIFY_WHATSAPP_API_URL") or "https://graph.facebook.com/v21.0")
    if env.get("NOTIFY_TELEGRAM_BOT_TOKEN"):
        channels["telegram"] = Telegram(env["NOTIFY_TELEGRAM_BOT_TOKEN"],
                                        env.get("NOTIFY_TELEGRAM_API_URL") or "https://api.telegram.org")
    return channels
