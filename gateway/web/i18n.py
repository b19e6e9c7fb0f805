"""Every string the pages show, in one place. Add a language by adding a dict."""
STRINGS = {
    "id": {
        "app": "E-Kinerja",
        "login": "Masuk", "logout": "Keluar", "username": "Nama pengguna",
        "password": "Kata sandi", "login_failed": "Nama pengguna atau kata sandi salah.",
        "login_locked": "Terlalu banyak percobaan masuk. Coba lagi nanti.",
        "home": "Beranda", "today": "Laporan hari ini", "no_reports": "Belum ada laporan.",
        "add_report": "Tambah laporan", "report": "Laporan", "reports": "Laporan",
        "skp_item": "Rencana hasil kerja (SKP)", "activity": "Jenis kegiatan",
        "search_activity": "Cari kegiatan…", "meeting": "Rapat / acara bersama",
        "no_meeting": "— bukan rapat —", "role": "Peran",
        "role_chair": "Pemimpin rapat", "role_speaker": "Narasumber",
        "role_note_taker": "Notulen", "role_participant": "Peserta",
        "date": "Tanggal", "start": "Mulai", "end": "Selesai", "quantity": "Jumlah",
        "description": "Uraian pekerjaan", "photo": "Foto / pindaian bukti",
        "photo_hint": "Ambil foto atau pilih berkas (JPEG, PNG, PDF; maks. 10 MB).",
        "submit": "Kirim", "save_draft": "Simpan draf", "uploading": "Mengunggah bukti…",
        "sent": "Laporan terkirim.", "status": "Status", "reason": "Alasan",
        "state_draft": "Draf", "state_submitted": "Menunggu persetujuan",
        "state_approved": "Disetujui", "state_rejected": "Ditolak",
        "state_revision_requested": "Perlu perbaikan", "state_withdrawn": "Ditarik",
        "state_disputed": "Dalam keberatan", "state_dismissed": "Keberatan ditolak",
        "state_revoked": "Dibatalkan", "state_pending": "Menunggu",
        "revise": "Perbaiki", "resubmit": "Kirim ulang", "withdraw": "Tarik laporan",
        "dispute": "Ajukan keberatan", "dispute_reason": "Alasan keberatan",
        "recap": "Rekap bulanan", "period": "Periode", "points": "Poin",
        "minutes": "Menit", "standard": "Standar bulanan", "estimated_tpp": "Perkiraan TPP",
        "per_day": "Menit disetujui per hari", "approver_points": "Poin persetujuan",
        "inbox": "Persetujuan", "no_tasks": "Tidak ada laporan yang menunggu.",
        "approve": "Setujui", "reject": "Tolak", "request_revision": "Minta perbaikan",
        "bulk_approve": "Setujui yang dipilih", "select": "Pilih",
        "showing": "Menampilkan", "of": "dari", "previous": "‹ Sebelumnya", "next": "Berikutnya ›",
        "flag_evidence_reused": "Foto bukti sama dengan milik pegawai lain",
        "flag_over_daily_cap": "Melebihi batas menit harian",
        "team": "Kepatuhan tim", "employee": "Pegawai", "reported_today": "Lapor hari ini",
        "pending": "Menunggu", "oldest_wait": "Terlama (hari kerja)", "yes": "Ya", "no": "Belum",
        "disputes": "Keberatan", "no_disputes": "Tidak ada keberatan.", "history": "Riwayat",
        "uphold": "Terima keberatan", "dismiss": "Tolak keberatan", "evidence": "Bukti",
        "admin": "Administrasi", "import_org": "Impor data pegawai (CSV)",
        "import": "Impor", "import_ok": "Impor berhasil", "row": "Baris", "column": "Kolom",
        "catalogue": "Katalog kegiatan", "publish": "Terbitkan versi baru",
        "rule_set": "Aturan TPP", "close_period": "Tutup periode", "close": "Tutup",
        "progress": "Kemajuan", "download_csv": "Unduh CSV", "download_xlsx": "Unduh XLSX",
        "statement": "Slip TPP (PDF)", "error": "Terjadi kesalahan",
        "menu": "Menu", "view_evidence": "Lihat bukti", "back": "Kembali",
        "js_network": "Jaringan terputus; coba lagi.", "js_employees": "pegawai",
        "js_new_placements": "penempatan baru",
    },
}
LANG = "id"


def js_strings(lang: str = LANG) -> dict:
    """The strings the page scripts need, handed over in the page itself."""
    return {k: v for k, v in STRINGS[lang].items() if k.startswith("js_")}


def t(key: str, lang: str = LANG) -> str:
    return STRINGS[lang].get(key, key)
