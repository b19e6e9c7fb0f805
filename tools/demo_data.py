"""A small demo city: one agency, its head, two staff, and a starter catalogue.
Used by the local runner and by the end-to-end tests."""
import datetime as dt

ADMIN = {"username": "admin", "password": "admin-demo-123"}

ORGANISATION = {
    "agency": {"code": "DISKOMINFO", "name": "Dinas Komunikasi, Informatika dan Statistik"},
    "positions": [
        {"code": "KADIS", "name": "Kepala Dinas", "job_class": 14},
        {"code": "PRANATA", "name": "Pranata Komputer", "job_class": 7, "superior": "KADIS"},
        {"code": "ARSIPARIS", "name": "Arsiparis", "job_class": 6, "superior": "KADIS"},
    ],
    "employees": [
        {"nip": "197805152005011003", "name": "I Made Wirawan", "position": "KADIS",
         "status": "PNS", "grade": "IV/b", "username": "kadis", "password": "kadis-demo-123"},
        {"nip": "199003212015032001", "name": "Ni Luh Sari", "position": "PRANATA",
         "status": "PNS", "grade": "III/b", "username": "sari", "password": "sari-demo-123"},
        {"nip": "199511082020121004", "name": "Putu Agus", "position": "ARSIPARIS",
         "status": "CPNS", "grade": "II/c", "username": "agus", "password": "agus-demo-123"},
    ],
}

MEETING_WEIGHTS = {"chair": "1.5", "speaker": "1.25", "note_taker": "1.1", "participant": "1.0"}

CATALOGUE = {"activity_types": [
    {"code": "SURAT-DINAS", "name": "Menyusun surat dinas", "output_unit": "surat",
     "standard_minutes": 30, "points": "5.00", "rupiah": 7500, "evidence_required": True,
     "effective_from": "2026-01-01"},
    {"code": "RAPAT", "name": "Rapat koordinasi", "output_unit": "kegiatan",
     "standard_minutes": 60, "points": "8.00", "rupiah": 12000, "evidence_required": True,
     "role_weights": MEETING_WEIGHTS, "effective_from": "2026-01-01"},
    {"code": "ENTRI-DATA", "name": "Entri data ke aplikasi", "output_unit": "berkas",
     "standard_minutes": 15, "points": "2.00", "rupiah": 3000, "evidence_required": False,
     "effective_from": "2026-01-01"},
]}

LOGINS = [(ADMIN["username"], ADMIN["password"], "admin kota")] + [
    (e["username"], e["password"], e["name"]) for e in ORGANISATION["employees"]]


def tiny_jpeg() -> bytes:
    """A valid 1x1 JPEG (the smallest photo a test can upload)."""
    import base64
    return base64.b64decode(
        "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////"
        "////////////////////////////////////////wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAA"
        "AAAAA//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AN//Z")


def working_day(today: dt.date) -> dt.date:
    """Today, or the last weekday before it (demo reports are never in the future)."""
    while today.weekday() >= 5:
        today -= dt.timedelta(days=1)
    return today
