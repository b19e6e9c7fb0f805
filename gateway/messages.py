"""The one catalogue that turns an error's stable code into what a person reads, in
Indonesian. The API keeps its English `message` for developers and carries this
text as `display_message`; the pages show only this text.

A code a service can raise must have an entry here: tests/contract/unit/
test_error_catalogue.py reads every raise site and every schema's custom error
and fails on a code without Indonesian text. Texts may name `{params}` the error
carries; a missing one is left out rather than shown as a placeholder."""
import string

# Whole errors, by code. General codes first (the class defaults), then precise ones.
ERRORS = {
    # class defaults and the gateway's own
    "service_error": "Terjadi kesalahan pada sistem. Coba lagi beberapa saat lagi.",
    "not_found": "Data yang dicari tidak ada, atau Anda tidak berhak melihatnya.",
    "forbidden": "Anda tidak berhak melakukan ini.",
    "conflict": "Permintaan ini tidak sesuai dengan keadaan data saat ini.",
    "stale_version": "Data ini sudah berubah sejak Anda membukanya. Muat ulang halaman, lalu putuskan lagi.",
    "invalid_input": "Ada isian yang belum benar.",
    "payload_too_large": "Berkas terlalu besar.",
    "unsupported_media_type": "Jenis berkas ini tidak diterima. Kirim foto JPEG/PNG atau PDF.",
    "unauthenticated": "Silakan masuk terlebih dahulu.",
    "token_expired": "Sesi Anda telah berakhir. Silakan masuk lagi.",
    "token_revoked": "Sesi ini sudah diakhiri. Silakan masuk lagi.",
    "csrf": "Formulir ini tidak dikirim dari halaman E-Kinerja. Muat ulang halaman dan coba lagi.",
    "too_many_requests": "Terlalu banyak permintaan. Tunggu sebentar, lalu coba lagi.",
    "account_locked": "Terlalu banyak percobaan masuk. Coba lagi nanti.",
    "invalid_credentials": "Nama pengguna atau kata sandi salah.",
    "unavailable": "Sistem sedang tidak dapat dihubungi. Coba lagi beberapa saat lagi.",
    "database_unavailable": "Basis data sedang dipulihkan. Coba lagi dalam beberapa detik.",
    "timeout": "Sistem terlalu lama menjawab. Coba lagi.",
    "http_error": "Permintaan tidak dapat diproses.",
    "page_not_found": "Halaman yang Anda cari tidak ada.",
    "method_not_allowed": "Cara membuka halaman ini tidak didukung.",
    "length_required": "Ukuran berkas tidak diketahui. Pilih berkas lagi.",
    "length_mismatch": "Unggahan tidak lengkap. Coba lagi.",
    "upload_interrupted": "Unggahan terputus; tidak ada yang disimpan. Coba lagi.",
    "storage_error": "Berkas tidak dapat disimpan. Coba lagi.",
    "digest_mismatch": "Berkas yang diterima tidak sama dengan sidik (SHA-256) yang dikirim; tidak ada yang disimpan. Unggah lagi.",
    "digest_invalid": "Header Content-Digest tidak sah: sha-256 harus berupa base64 dari 32 bita di antara titik dua.",
    "evidence_digest_invalid": "Sidik SHA-256 berkas harus 64 digit heksadesimal.",
    "offline": "Anda sedang tidak terhubung ke internet.",
    # accounts and organisation
    "account_unknown": "Akun tidak ditemukan.",
    "password_forbidden": "Anda tidak berhak mengganti kata sandi akun ini.",
    "password_wrong": "Kata sandi saat ini salah.",
    "employee_not_found": "Pegawai tidak ditemukan.",
    "no_position": "Pegawai tidak memegang jabatan pada tanggal itu.",
    "agency_not_found": "Perangkat daerah tidak ditemukan.",
    "agency_scope": "Anda hanya dapat mengelola perangkat daerah Anda sendiri.",
    "admins_only": "Hanya admin yang dapat melakukan ini.",
    "employees_only": "Hanya pegawai yang dapat melakukan ini.",
    "organisation_invalid": "Berkas data pegawai berisi kesalahan; tidak ada yang dimuat.",
    "import_invalid": "Ada {count} kesalahan dalam berkas; tidak ada yang diimpor.",
    "username_taken": "Nama pengguna {username} sudah dipakai orang lain.",
    # SKP
    "skp_not_found": "SKP tahun {year} belum ada.",
    "skp_scope": "Anda hanya dapat melihat SKP Anda sendiri dan SKP bawahan Anda.",
    "skp_state": "SKP yang berstatus {state} tidak dapat diubah dengan cara ini.",
    "skp_decider": "Hanya atasan langsung yang memutuskan SKP (tidak ada yang memutuskan SKP-nya sendiri).",
    "skp_items_invalid": "Butir SKP masih ada yang salah.",
    "skp_not_approved": "SKP Anda tahun ini belum disetujui atasan.",
    "skp_item_unknown": "Butir itu bukan bagian dari SKP Anda tahun {year}.",
    "creative_item_required": "Kreativitas hanya dihitung di bawah butir SKP kreativitas.",
    # reports
    "report_not_found": "Laporan tidak ditemukan.",
    "report_scope": "Anda hanya dapat melihat laporan Anda sendiri dan laporan bawahan Anda.",
    "report_state": "Laporan yang berstatus {state_label} tidak dapat {action_label}.",
    "report_overlap": "Waktunya bertumpuk dengan laporan Anda yang lain pukul {start}–{end}.",
    "report_in_future": "Laporan tidak boleh bertanggal di masa depan.",
    "period_closed": "Periode {period} sudah ditutup. Ajukan koreksi bila perlu.",
    "deadline_passed": "Batas waktu pengisian periode {period} sudah lewat ({deadline}).",
    "activity_unknown": "Kegiatan itu tidak ada di katalog pada tanggal {date}.",
    "activity_job_class": "Kegiatan {activity} hanya untuk kelas jabatan {min_class}–{max_class}.",
    "activity_position": "Jabatan Anda tidak dapat mengklaim kegiatan {activity}.",
    "activity_has_no_roles": "Kegiatan ini tidak memakai peran; kosongkan isian peran.",
    "role_required": "Pilih peran Anda dalam kegiatan ini.",
    "role_unknown": "Peran itu tidak tersedia untuk kegiatan ini.",
    "evidence_required": "Kegiatan ini wajib dilengkapi bukti (foto atau pindaian).",
    "evidence_not_found": "Berkas bukti tidak ditemukan. Unggah lagi.",
    "evidence_link_invalid": ("Tautan bukti ini tidak berlaku: sudah lewat masa berlakunya atau "
                              "tidak dikenal. Mintalah tautan baru kepada pengelola e-Kinerja."),
    "evidence_not_yours": "Berkas bukti itu milik orang lain.",
    "evidence_incomplete": "Unggahan bukti belum selesai. Unggah lagi.",
    "evidence_in_use": "Berkas bukti ini sudah dipakai laporan Anda yang lain.",
    "no_approver": "Laporan Anda tidak dapat dikirim: tidak ada atasan yang dapat menyetujuinya (jabatan atasan kosong, atau aturan kota belum menunjuk penyetuju bagi pimpinan). Hubungi admin kepegawaian (BKPSDM).",
    # meetings
    "meeting_not_found": "Rapat tidak ditemukan.",
    "meeting_activity": "Pilih kegiatan rapat atau acara dari katalog.",
    "meeting_activity_mismatch": "Jenis kegiatan harus sama dengan kegiatan rapatnya.",
    "meeting_claim_via_meeting": "Rapat atau acara diklaim melalui data rapatnya. Pilih rapatnya.",
    "meeting_claim_taken": "Peran itu di rapat ini sudah diklaim (satu klaim per orang, satu pemimpin rapat).",
    "meeting_already_claimed": "Anda sudah mengklaim rapat ini.",
    "meeting_has_chair": "Rapat ini sudah punya pemimpin rapat.",
    "meeting_organiser_only": "Hanya penyelenggara rapat yang dapat melakukan ini.",
    "meeting_role_unconfirmed": "Peran ini belum dikonfirmasi penyelenggara rapat. Klaim sebagai peserta, atau minta penyelenggara mengonfirmasi peran Anda.",
    "meeting_employees_only": "Hanya pegawai yang dapat menyelenggarakan rapat.",
    # catalogue and rule sets
    "rule_set_exists": "Sudah ada aturan yang berlaku mulai {effective_from}.",
    "rule_set_period_closed": "Periode itu sudah ditutup; aturannya tidak dapat diubah.",
    # approvals
    "task_not_found": "Tugas persetujuan tidak ditemukan.",
    "task_decided": "Laporan ini sudah {state_label}.",
    "own_work": "Tidak ada yang boleh menyetujui pekerjaannya sendiri.",
    "not_approver": "Hanya atasan yang ditugaskan, atasan penerima eskalasi, atau pelaksana tugas (Plt/Plh) yang dapat memutuskan laporan ini.",
    "revoke_reason_required": "Tuliskan alasan pembatalan persetujuan (minimal 10 karakter).",
    "revoke_review_team_only": "Hanya tim penilai yang dapat membatalkan persetujuan setelah audit.",
    "revoke_party": "Pegawai dan atasan yang menyetujui tidak dapat membatalkan persetujuan ini.",
    "revoke_state": "Hanya laporan yang disetujui yang dapat dibatalkan.",
    "delegate_employees_only": "Hanya atasan (pegawai) yang dapat mendelegasikan tugasnya.",
    "delegate_self": "Anda tidak dapat mendelegasikan kepada diri sendiri.",
    "decisions_scope": "Anda hanya dapat melihat keputusan Anda sendiri.",
    "not_your_report": "Ini bukan laporan Anda.",
    "agency_admin_scope": "Admin perangkat daerah hanya melihat perangkat daerahnya sendiri.",
    "dashboard_audience": "Halaman pantauan itu tidak ada.",
    "dashboard_city_scope": "Pantauan kota hanya untuk BKPSDM dan kantor wali kota.",
    "dashboard_agency_missing": "Pilih perangkat daerah yang ingin dipantau.",
    "dashboard_agency_scope": "Pantauan perangkat daerah hanya untuk kepala dan adminnya.",
    "dashboard_team_scope": "Pantauan tim hanya untuk atasan yang memiliki bawahan.",
    "dashboard_criterion": "Daftar pegawai itu tidak dikenal.",
    # disputes (keberatan)
    "dispute_window_closed": "Batas waktu keberatan ({window_days} hari setelah penolakan) sudah lewat pada {last_day}.",
    "dispute_owner_only": "Hanya pegawai yang laporannya ditolak yang dapat mengajukan keberatan.",
    "dispute_state": "Hanya laporan yang ditolak yang dapat diajukan keberatan.",
    "dispute_exists": "Keberatan atas penolakan ini sudah diajukan.",
    "dispute_not_found": "Keberatan tidak ditemukan.",
    "dispute_decided": "Keberatan ini sudah diputuskan; keputusannya final.",
    "dispute_party": "Atasan yang menolak dan pegawai yang bersangkutan tidak dapat memutuskan keberatan ini.",
    "dispute_heard_by_superior": "Keberatan ini diputuskan oleh atasan dari atasan yang menolak.",
    "dispute_heard_by_review_team": "Keberatan ini diputuskan oleh tim penilai.",
    "dispute_other_agency": "Tim penilai perangkat daerah lain tidak dapat memutuskan keberatan ini.",
    # scoring and payroll
    "job_not_found": "Proses penutupan tidak ditemukan.",
    "export_format": "Format unduhan adalah CSV atau XLSX.",
    "export_version": "Versi itu tidak ada untuk bulan ini.",
    "no_placement": "Pegawai tidak memiliki penempatan pada periode itu.",
    "condition_period_closed": "Bulan {period} sudah ditutup; keadaan pegawai untuk bulan itu hanya dapat diubah lewat koreksi.",
    "condition_not_found": "Catatan keadaan pegawai itu tidak ada.",
    "realisation_period_closed": "Bulan {period} pada triwulan itu sudah ditutup; realisasi anggarannya hanya dapat diubah lewat koreksi.",
    "close_grace_window_open": "Bulan {period} belum dapat ditutup: masa tambahan input masih terbuka sampai {until}.",
    "grace_window_not_found": "Masa tambahan itu tidak ada.",
    "grace_window_revoked": "Masa tambahan itu sudah dicabut.",
    "realisation_missing": "Isi dulu realisasi anggaran triwulan {quarter} {year} untuk OPD {agencies}: aturan TPP-nya membayar sebagian atas realisasi itu.",
    "pay_objection_window": "Masa keberatan atas TPP {period} sudah berakhir pada {until}.",
    "pay_objection_open": "Keberatan atas rincian ini sudah diajukan dan sedang diperiksa tim peninjau.",
    "pay_objection_not_found": "Keberatan itu tidak ada.",
    "pay_objection_self": "Anda tidak dapat memutus keberatan Anda sendiri.",
    "pay_objection_decided": "Keberatan ini sudah diputus ({state_label}).",
    "period_not_closed": "Periode {period} belum ditutup.",
    "roles_required": "Halaman ini memerlukan peran lain.",
    "recap_scope": "Anda hanya dapat melihat rekap Anda sendiri dan rekap bawahan Anda.",
    "attendance_unknown_nip": "Data kehadiran untuk NIP {nip} tidak dikenal.",
    "close_too_early": "Periode {period} baru dapat ditutup setelah batas pengisian ({deadline}).",
    "correction_not_closed": "Periode {period} belum ditutup: laporkan atau setujui seperti biasa.",
    "appraisal_self": "Tidak ada yang menilai dirinya sendiri.",
    "appraisal_superior_only": "Penilai adalah atasan langsung.",
    "appraisal_rating": "Penilaian perilaku adalah di atas, sesuai, atau di bawah ekspektasi.",
    "appraisal_span": ("Periode penilaian harus satu bulan, satu triwulan (Januari–Maret, April–Juni, "
                       "...), satu semester (Januari–Juni, Juli–Desember) atau satu tahun."),
    "year_range": "Tahun harus antara 2000 dan 2100.",
    "agency_year_set_concurrently": "Data perangkat daerah ini untuk tahun yang sama baru saja diisi orang lain pada saat yang sama. Kirim lagi.",
    "date_format": "Tanggal harus berbentuk TTTT-BB-HH, misalnya 2026-11-18.",
    "reconciliation_not_run": "Tanggal ini belum direkonsiliasi.",
    "export_too_large": ("Terlalu banyak baris untuk XLSX (lebih dari {rows}). Unduh sebagai CSV, "
                         "atau per perangkat daerah."),
    "chains_scope": "Hanya admin kota dan tim peninjau yang memeriksa rantai catatan.",
    "period_format": "Periode ditulis TTTT-BB, misalnya 2026-11.",
    "period_year": "Tahun periode harus antara 2000 dan 2100.",
    # evidence
    "evidence_forbidden": "Anda tidak berhak melihat berkas bukti ini.",
    "evidence_too_large": "Berkas lebih besar dari batas {limit_mb} MB.",
    "evidence_type": "Jenis berkas ini tidak diterima. Kirim foto JPEG/PNG atau PDF.",
    "evidence_damaged": "Berkas bukti rusak atau tidak dapat dibaca. Ambil foto lagi.",
    "evidence_too_many_pixels": "Gambar terlalu besar ({megapixels} megapiksel; batasnya {limit} megapiksel). Kecilkan fotonya.",
    "evidence_pdf_active": "PDF ini berisi skrip atau tindakan otomatis dan tidak diterima. Cetak ulang ke PDF biasa.",
    "evidence_pdf_uncheckable": "PDF ini terenkripsi atau dikompresi dengan cara yang tidak dapat diperiksa. Cetak ulang ke PDF biasa.",
    "evidence_upload_mismatch": "Berkas yang diterima tidak sama dengan yang dikirim. Unggah lagi.",
    "evidence_not_uploaded": "Berkas belum terunggah. Unggah lagi.",
    "evidence_wrong_owner": "Berkas bukti itu milik orang lain.",
    "evidence_auditors_only": "Hanya auditor yang dapat memeriksa berkas bukti.",
    "evidence_employees_only": "Hanya pegawai yang dapat mengunggah bukti.",
    "evidence_size_invalid": "Ukuran berkas tidak terbaca. Unggah lagi.",
    "evidence_empty": "Berkasnya kosong. Pilih foto atau pindaian yang benar.",
    "upload_not_found": "Unggahan tidak ditemukan atau sudah kedaluwarsa. Unggah lagi.",
    "filename_empty": "Berkas perlu nama.",
    "filename_too_long": "Nama berkas terlalu panjang (paling banyak 200 karakter).",
    "filename_path": "Nama berkas tidak boleh berisi garis miring.",
    "filename_control_character": "Nama berkas berisi karakter yang tidak diizinkan.",
    # attendance files (services/scoring/attendance_import.py)
    "attendance_not_csv": "berkas ini bukan CSV yang dapat dibaca",
    "attendance_column_missing": "kolom ini tidak ada di baris judul (nip, tanggal, jenis, menit, dimaafkan)",
    "attendance_too_many_rows": "berkas lebih dari {limit} baris; pecah per hari",
    "attendance_nip": "NIP terdiri dari 18 angka",
    "attendance_date": "tanggal ditulis TTTT-BB-HH, misalnya 2026-11-02",
    "attendance_kind": "jenis adalah datang, pulang, tidak_hadir atau cuti",
    "attendance_minutes": "menit adalah bilangan bulat 0 sampai 1440",
    "attendance_excused": "dimaafkan diisi ya atau tidak",
    "attendance_duplicate": "tanda yang sama sudah ada di baris {other}",
    "attendance_period_closed": "bulan {period} sudah ditutup; ubah lewat koreksi",
    # notifications
    "contact_invalid": "Alamat pemberitahuan belum benar; tidak ada yang diubah.",
    "notification_choices_invalid": "Pilihan pemberitahuan tidak dikenal.",
    "notification_kind_unknown": "Jenis pemberitahuan ini tidak dikenal.",
    "notification_channel_unknown": "Saluran pemberitahuan ini tidak dikenal.",
    "quiet_hours_invalid": "Jam tenang ditulis JJ:MM, misalnya 21:00.",
    # integrity
    "integrity_state_unknown": "Status kasus tidak dikenal: pilih terbuka, dibersihkan, dicabut atau semua.",
    "integrity_signal_unknown": "Jenis tanda integritas ini tidak dikenal.",
    "integrity_review_team_only": "Meja pemeriksaan integritas hanya untuk tim peninjau dan admin kota.",
    "integrity_other_agency": "Kasus instansi lain bukan wewenang tim peninjau Anda.",
    "integrity_case_not_found": "Kasus ini tidak ditemukan.",
    "integrity_own_case": "Tidak seorang pun memutus kasus atas pekerjaannya sendiri.",
    "integrity_nothing_open": "Kasus ini tidak lagi punya tanda terbuka: sudah diputus sebelumnya.",
    "integrity_note_required": "Tulis apa yang sudah Anda periksa (paling sedikit 5 huruf).",
}

# Field names as a person knows them.
FIELDS = {
    "reason": "Alasan", "decision": "Keputusan", "start": "Jam mulai", "end": "Jam selesai",
    "date": "Tanggal", "description": "Uraian pekerjaan", "activity_code": "Jenis kegiatan",
    "skp_item_id": "Butir SKP", "role": "Peran", "quantity": "Jumlah",
    "evidence_id": "Bukti", "meeting_id": "Rapat", "period": "Periode", "title": "Judul",
    "place": "Tempat", "effective_from": "Berlaku mulai", "username": "Nama pengguna",
    "password": "Kata sandi", "name": "Nama", "nip": "NIP", "code": "Kode",
    "points": "Poin", "rupiah": "Rupiah", "standard_minutes": "Menit standar",
    "items": "Butir SKP", "note": "Catatan", "year": "Tahun", "task_ids": "Laporan yang dipilih",
    "employee_id": "Pegawai", "delegate_id": "Penerima delegasi", "start_date": "Tanggal mulai",
    "end_date": "Tanggal selesai", "state": "Status", "body": "Isi",
    "parent_item_id": "Butir induk", "performance_share": "Porsi kinerja",
    "discipline_share": "Porsi disiplin", "monthly_standard": "Standar bulanan",
    "daily_cap_minutes": "Batas menit harian", "cpns_factor": "Faktor CPNS",
    "ceilings": "Pagu TPP", "lateness": "Potongan keterlambatan",
    "input_deadline_day": "Batas pengisian", "nama": "Nama", "kode_jabatan": "Kode jabatan",
    "kode_jabatan_atasan": "Kode jabatan atasan", "kelas_jabatan": "Kelas jabatan",
    "tmt_mulai": "TMT mulai", "tmt_selesai": "TMT selesai", "golongan": "Golongan",
    "peran": "Peran", "jenis": "Jenis", "kode_opd": "Kode OPD", "nama_opd": "Nama OPD",
    "nama_jabatan": "Nama jabatan", "kode_unit": "Kode unit", "superior": "Atasan", "position": "Jabatan", "unit": "Unit", "indicators": "Indikator", "kind": "Jenis butir",
    "ceiling": "Pagu anggaran TPP", "agency_id": "Perangkat daerah", "predikat": "Predikat",
    "email": "E-mail", "whatsapp": "Nomor WhatsApp", "telegram": "Telegram",
    "tanggal": "Tanggal", "menit": "Menit", "dimaafkan": "Dimaafkan",
    "quiet_start": "Jam tenang mulai", "quiet_end": "Jam tenang selesai",
}

# Field reasons by code: pydantic's own error types and the schemas' custom ones.
REASONS = {
    "missing": "wajib diisi",
    "string_too_short": "terlalu pendek (minimal {min_length} karakter)",
    "string_too_long": "terlalu panjang (maksimal {max_length} karakter)",
    "string_pattern_mismatch": "bentuknya tidak sesuai",
    "string_type": "harus berupa teks",
    "int_parsing": "harus berupa bilangan bulat",
    "int_type": "harus berupa bilangan bulat",
    "int_from_float": "harus berupa bilangan bulat",
    "decimal_parsing": "harus berupa angka",
    "float_parsing": "harus berupa angka",
    "greater_than": "harus lebih dari {gt}",
    "greater_than_equal": "minimal {ge}",
    "less_than": "harus kurang dari {lt}",
    "less_than_equal": "maksimal {le}",
    "too_short": "terlalu sedikit (minimal {min_length})",
    "too_long": "terlalu banyak (maksimal {max_length})",
    "date_parsing": "bukan tanggal yang sah",
    "date_from_datetime_parsing": "bukan tanggal yang sah",
    "time_parsing": "bukan jam yang sah",
    "literal_error": "pilihannya tidak sah",
    "enum": "pilihannya tidak sah",
    "bool_parsing": "harus ya atau tidak",
    "extra_forbidden": "tidak dikenal",
    "json_invalid": "bukan JSON yang sah",
    "model_type": "bentuknya tidak sesuai",
    "dict_type": "bentuknya tidak sesuai",
    "list_type": "harus berupa daftar",
    "value_error": "tidak sah",
    "invalid": "tidak sah",
    # the schemas' PydanticCustomError codes (ekinerja_contract/schemas.py)
    "end_before_start": "jam selesai harus setelah jam mulai",
    "end_date_before_start_date": "tanggal selesai tidak boleh sebelum tanggal mulai",
    "time_or_meeting_required": "isi tanggal, jam mulai dan jam selesai, atau pilih rapat",
    "reason_required": "alasan wajib diisi untuk menolak atau meminta perbaikan",
    "skp_note_required": "tuliskan apa yang perlu diubah",
    "role_weights_participant": "bobot peran harus memuat peserta",
    "role_weights_range": "setiap bobot peran harus di atas 0 dan paling tinggi 5",
    "job_class_range": "kelas jabatan minimal tidak boleh melebihi kelas jabatan maksimal",
    "json_too_deep": "bersarang terlalu dalam",
    "control_character": "berisi karakter kendali yang tidak boleh ada dalam teks",
    "skp_parent_required": "butir utama harus menurunkan salah satu butir SKP atasan (atasan belum punya SKP tahun ini bila daftarnya kosong)",
    "skp_parent_unknown": "butir induk itu bukan bagian dari SKP atasan tahun ini",
    "skp_parent_not_allowed": "butir tambahan dan kreativitas tidak menurunkan butir atasan",
    "skp_indicator_required": "isi sedikitnya satu indikator dengan target dan satuannya",
    "missing_column": "kolom ini tidak ada di berkas",
    "placement_kind": "jenis harus definitif, plt atau plh",
    "acting_end_required": "wajib diisi untuk plt/plh",
    "job_class_number": "harus berupa angka 1–17",
    "unknown_unit": "unit {value} tidak ada dalam berkas",
    "unknown_position": "jabatan {value} tidak dikenal",
    "superior_loop": "rantai atasan jabatan {value} berputar kembali ke dirinya",
    "nip_invalid": "NIP tidak sah (18 angka: tanggal lahir, TMT, jenis kelamin, nomor urut)",
    "duplicate": "muncul lebih dari sekali dalam berkas",
    "bank_required": "nomor rekening harus disertai nama bank",
    "unknown_employee": "pegawai tidak dikenal",
    "ceilings_missing": "pagu TPP untuk kelas jabatan {missing} belum diisi",
    "ceilings_negative": "pagu TPP tidak boleh negatif",
    "lateness_open_end": "hanya tingkat keterlambatan terakhir yang tanpa batas atas",
    "lateness_order": "tingkat keterlambatan harus berurutan naik",
    "shares_sum": "porsi kinerja, disiplin, tetap dan realisasi anggaran harus berjumlah 100%",
    "ter_tables": "tarif TER memerlukan tabel kategori A, B dan C",
    "ter_open_end": "hanya lapisan TER terakhir yang tanpa batas atas",
    "ter_order": "lapisan TER harus berurutan naik",
    "escalate_before_remind": "hari eskalasi harus lebih lama daripada hari pengingat",
    "months_range": "jumlah bulan antara 1 dan 12",
    "one_chair": "satu rapat hanya punya satu pemimpin rapat",
    "correction_required": "keberatan yang diterima harus menyebut koreksinya: tanggal kehadiran yang dimaafkan atau menit/poin/rupiah",
    "role_unconfirmed": "peran ini perlu dikonfirmasi penyelenggara rapat",
    # contacts for notifications (services/notifications/rules.py)
    "email_invalid": "bukan alamat e-mail yang sah (contoh: nama@pemkot.go.id)",
    "phone_invalid": "bukan nomor ponsel Indonesia yang sah (contoh: 0812-3456-7890)",
    "telegram_invalid": "ID obrolan Telegram berupa angka (kirim /start ke bot E-Kinerja untuk mendapatkannya)",
    "time_invalid": "bukan jam yang sah (JJ:MM)",
    "channel_unavailable": "saluran ini belum disediakan di kota ini",
}

# States and actions as words, for the messages above.
STATE_LABELS = {
    "draft": "draf", "submitted": "menunggu persetujuan", "approved": "disetujui",
    "rejected": "ditolak", "revision_requested": "diminta perbaikan", "withdrawn": "ditarik",
    "disputed": "dalam keberatan", "dismissed": "keberatan ditolak", "revoked": "dibatalkan",
    "pending": "menunggu", "escalated": "dieskalasi", "upheld": "keberatan diterima",
}
ACTION_LABELS = {
    "submit": "dikirim", "withdraw": "ditarik", "resubmit": "dikirim ulang", "revise": "diubah",
    "delete": "dihapus", "approve": "disetujui", "reject": "ditolak", "dispute": "diajukan keberatan",
    "request_revision": "diminta perbaikan", "edit": "diubah",
}


class _Partial(dict):
    def __missing__(self, key):
        return "…"


def _fill(text: str, params: dict) -> str:
    values = _Partial({k: str(v) for k, v in (params or {}).items()})
    if "state" in values and "state_label" not in values:
        values["state_label"] = STATE_LABELS.get(values["state"], "…")
    if "action" in values and "action_label" not in values:
        values["action_label"] = ACTION_LABELS.get(values["action"], "diproses")
    return string.Formatter().vformat(text, (), values)


def reason_only(detail: dict) -> str:
    """The field's problem without the row and field label ('' without a code)."""
    code = detail.get("code") or ""
    if not code:
        return ""
    text = ERRORS[code] if code in ERRORS else REASONS.get(code, REASONS["invalid"])
    return _fill(text, detail.get("params") or {})


def reason_text(detail: dict) -> str:
    """One field's problem: 'Jam selesai: jam selesai harus setelah jam mulai' ('' when
    the detail carries no code to translate: it only repeats the error in developer words)."""
    reason = reason_only(detail)
    if not reason:
        return ""
    field = str(detail.get("field") or detail.get("column") or "").rsplit(".", 1)[-1]
    row = detail.get("row")
    prefix = ", ".join(p for p in (f"Baris {row}" if row else "", FIELDS.get(field, "")) if p)
    return f"{prefix}: {reason}" if prefix else reason[:1].upper() + reason[1:]


def display(code: str, params: dict | None = None) -> str:
    """The Indonesian sentence for a whole error."""
    return _fill(ERRORS.get(code) or ERRORS["service_error"], params or {})


def has_text(code: str) -> bool:
    return code in ERRORS or code in REASONS
