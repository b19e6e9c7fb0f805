"""What each notice says, in Indonesian: one template per kind, filled from the
notice's stored facts when it is shown or sent (so a mended wording reaches old notices
too). The same text goes to the bell, the e-mail, WhatsApp and Telegram."""
from string import Formatter

from ekinerja_contract.indonesian import date, month, rupiah

TEMPLATES = {
    "report_rejected": (
        "Laporan ditolak",
        "Laporan {activity} tanggal {date} ditolak oleh atasan. Alasan: \u201c{reason}\u201d. "
        "Jika penolakan ini tidak tepat, Anda dapat mengajukan keberatan."),
    "revision_requested": (
        "Laporan perlu diperbaiki",
        "Atasan meminta perbaikan laporan {activity} tanggal {date}. Catatan: \u201c{reason}\u201d. "
        "Perbaiki lalu kirim lagi."),
    "approved_digest": (
        "Laporan disetujui",
        "{count} laporan Anda disetujui atasan {days}."),
    "dispute_decided_upheld": (
        "Keberatan diterima",
        "Keberatan Anda atas laporan {activity} tanggal {date} diterima: laporan dihitung "
        "sebagai disetujui. Pertimbangan: \u201c{reason}\u201d."),
    "dispute_decided_dismissed": (
        "Keberatan ditolak",
        "Keberatan Anda atas laporan {activity} tanggal {date} ditolak; keputusan ini final. "
        "Pertimbangan: \u201c{reason}\u201d."),
    "approvals_waiting": (
        "Persetujuan menunggu",
        "{count} laporan bawahan menunggu keputusan Anda; yang terlama dikirim {oldest}."),
    "task_reminded": (
        "Pengingat persetujuan",
        "{count} laporan bawahan sudah menunggu keputusan Anda {days} hari kerja atau lebih."),
    "task_escalated_to_you": (
        "Laporan dialihkan kepada Anda",
        "{count} laporan bawahan dari tim di bawah Anda dialihkan kepada Anda karena sudah "
        "menunggu {days} hari kerja tanpa keputusan."),
    "task_escalated_from_you": (
        "Laporan dialihkan ke atasan Anda",
        "{count} laporan bawahan Anda dialihkan ke atasan Anda karena sudah menunggu {days} "
        "hari kerja tanpa keputusan."),
    "deadline_near": (
        "Batas input laporan {month} tinggal {days_left} hari",
        "Batas input laporan {month} adalah {deadline}. Masih ada {missing} hari kerja yang "
        "belum Anda laporkan; laporan setelah batas itu tidak dihitung untuk TPP."),
    "grace_window_opened": (
        "Masa tambahan input laporan {month}",
        "Input laporan {month} untuk perangkat daerah Anda dibuka kembali sampai {until}. "
        "Alasan: \u201c{reason}\u201d."),
    "grace_window_revoked": (
        "Masa tambahan input laporan {month} dicabut",
        "Masa tambahan input laporan {month} untuk perangkat daerah Anda dicabut. "
        "Alasan: \u201c{reason}\u201d."),
    "integrity_flagged": (
        "Laporan bawahan ditandai untuk diperiksa",
        "Sebuah laporan bawahan Anda ({month}) ditandai pemeriksaan integritas: {reason} "
        "Buka buktinya sebelum memutus; tanda ini informasi, bukan hukuman."),
    "approval_revoked": (
        "Persetujuan laporan dibatalkan",
        "Persetujuan laporan {activity} tanggal {date} dibatalkan oleh tim penilai setelah "
        "pemeriksaan; laporan ini tidak lagi dihitung untuk TPP. Alasan: \u201c{reason}\u201d."),
    "skp_returned": (
        "SKP {year} dikembalikan",
        "Atasan mengembalikan SKP {year} Anda untuk diubah. Catatan: \u201c{reason}\u201d. "
        "Ubah lalu ajukan lagi."),
    "test": (
        "Pesan uji",
        "Pesan uji dari E-Kinerja: pemberitahuan Anda akan sampai ke sini."),
    "pay_objection_upheld": (
        "Keberatan atas TPP {month} diterima",
        "Tim peninjau menerima keberatan Anda atas rincian {step} TPP {month}; TPP bulan itu "
        "dikoreksi (versi {version}). Alasan: \u201c{reason}\u201d."),
    "pay_objection_dismissed": (
        "Keberatan atas TPP {month} ditolak",
        "Tim peninjau menolak keberatan Anda atas rincian {step} TPP {month}. "
        "Alasan: \u201c{reason}\u201d."),
    "tpp_slip_ready": (
        "Slip TPP {month} siap",
        "Bulan {month} sudah ditutup. TPP Anda: kotor {gross}, diterima bersih {net}. "
        "Slip dapat diunduh di halaman Rekap."),
    "tpp_slip_ready_corrected": (
        "Slip TPP {month} diperbarui",
        "TPP {month} Anda dikoreksi: kotor {gross}, diterima bersih {net}. Slip yang baru "
        "dapat diunduh di halaman Rekap."),
}

# Why a channel failed, as a person reads it on their settings page (channels' codes).
CHANNEL_NAMES = {"email": "E-mail", "whatsapp": "WhatsApp", "telegram": "Telegram"}
ADDRESS_HINTS = {
    "email": "alamat e-mail ini tidak ada atau menolak pesan. Periksa alamatnya, lalu simpan lagi.",
    "whatsapp": "nomor ini tidak dapat menerima pesan WhatsApp. Periksa nomornya, lalu simpan lagi.",
    "telegram": "bot tidak dapat mengirim ke ID obrolan ini. Kirim /start ke bot E-Kinerja, salin ID "
                "yang dibalasnya, lalu simpan lagi.",
}
FAILURES = {
    "address_refused": "{name} menolak: {hint}",
    "provider_config": "Pengiriman lewat {name} sedang bermasalah di sisi kota (pengaturan layanan). "
                       "Alamat Anda tidak perlu diubah; admin kota perlu memeriksanya.",
    "provider_down": "Layanan {name} tidak dapat dihubungi setelah beberapa kali dicoba. Pesan berikutnya "
                     "akan dicoba lagi; tidak ada yang perlu Anda ubah.",
    "not_configured": "{name} tidak lagi disediakan di kota ini.",
}


def failure(channel: str, code: str | None) -> str | None:
    """A failing channel's reason in Indonesian (None: not failing)."""
    if not code:
        return None
    text = FAILURES.get(code, FAILURES["provider_down"])
    return text.format(name=CHANNEL_NAMES.get(channel, channel), hint=ADDRESS_HINTS.get(channel, ""))


_FORMATS = {"date": date, "deadline": date, "until": date, "month": month,
            "gross": rupiah, "net": rupiah}


def _days(params: dict) -> str:
    first, last = params.get("first_day"), params.get("last_day")
    if not first:
        return ""
    return f"pada {date(first)}" if first == last else f"dari {date(first)} sampai {date(last)}"


def template_of(kind: str, params: dict) -> str:
    """The template of a notice: some kinds word their variants apart."""
    variant = params.get("variant")
    return f"{kind}_{variant}" if variant else kind


def render(kind: str, params: dict, count: int = 1) -> tuple[str, str]:
    """A notice's title and text. A field a template names and the notice lacks is
    left empty rather than shown as a placeholder."""
    title, body = TEMPLATES[template_of(kind, params)]
    values = {k: _FORMATS.get(k, str)(v) for k, v in params.items() if v is not None}
    values.update(count=str(count), days=values.get("days") or _days(params))
    if "oldest" in params:
        values["oldest"] = date(params["oldest"])
    fields = {name for text in (title, body) for _, name, _, _ in Formatter().parse(text) if name}
    values.update({name: "" for name in fields - values.keys()})
    # a fact not known (a report submitted before this service heard of it) leaves no gap
    return " ".join(title.format(**values).split()), " ".join(body.format(**values).split())
