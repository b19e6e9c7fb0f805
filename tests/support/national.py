"""A local stand-in for the national endpoint the sync adapter pushes to, on loopback,
started and stopped by the test. It answers as docs/NATIONAL.md says the national side
does, and checks every payload against the shape written there: a field missing, extra
or of the wrong type gets 400 with the national side's error body, as a real endpoint
would refuse it.

- bearer token required (401 without);
- POST upserts by idLokal (the same idLokal twice is one record with one id); the same
  Idempotency-Key again gets the first answer again;
- DELETE /progres-harian/{id}: 204, or 404 when unknown;
- GET /progres-harian?tanggal=YYYY-MM-DD: {"data": [{id, idLokal, nip, tanggal}]};
- `fail_next` queues statuses (503, 429, ...) for the next pushes, `down` refuses
  connections' worth of answers (every request 503) until cleared."""
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError

from ekinerja_contract import clock

from .infra import LoopbackHTTP

TOKEN = "national-test-token-0123456789"
NIP = r"^\d{18}$"


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Appraiser(_Shape):
    nip: str = Field(pattern=NIP)
    nama: str = Field(min_length=2)


class ProgressItem(_Shape):
    idLokal: str = Field(pattern=r"^laporan-\d+$")
    nip: str = Field(pattern=NIP)
    rencanaHasilKerja: str = Field(min_length=1, max_length=500)
    rencanaAksi: str = Field(min_length=1, max_length=500)
    tanggal: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    jamMulai: str = Field(pattern=r"^\d{2}:\d{2}$")
    jamSelesai: str = Field(pattern=r"^\d{2}:\d{2}$")
    kegiatan: str = Field(min_length=1)
    realisasi: int = Field(ge=1)
    satuan: str = Field(min_length=1)
    buktiDukung: HttpUrl | None
    penilai: Appraiser
    tanggalPersetujuan: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class _Evaluation(_Shape):
    idLokal: str = Field(pattern=r"^penilaian-\d+-\d{4}-\d{1,2}-\d{1,2}$")
    pnsDinilaiNip: str = Field(pattern=NIP)
    tahun: int
    hasilKinerjaNilai: int = Field(ge=1, le=3)
    perilakuKerjaNilai: int = Field(ge=1, le=3)
    kuadranKinerjaNilai: int = Field(ge=1, le=5)
    koefisienId: int | str | None
    penilaiNama: str | None
    penilaiNipNrp: str | None = Field(pattern=NIP)
    penilaiGolongan: str | None = Field(pattern=r"^[1-4][1-5]$")
    penilaiUnorNama: str | None
    statusPenilai: Literal["ASN", "NON ASN"]


class PeriodicItem(_Evaluation):
    pnsDinilaiId: str | None
    periodikId: int
    bulanMulaiPenilaian: int = Field(ge=1, le=12)
    bulanSelesaiPenilaian: int = Field(ge=1, le=12)
    tahunMulaiPenilaian: int
    tahunSelesaiPenilaian: int
    penilaiJabatanNama: str | None


class YearlyItem(_Evaluation):
    pnsDinilaiOrang: str | None
    penilaiJabatan: str | None


SHAPES = {"/progres-harian": ProgressItem, "/kinerja-periodik": PeriodicItem, "/skp22": YearlyItem}


class NationalServer(LoopbackHTTP):
    def __init__(self):
        self.held: dict[str, dict[str, dict]] = {path: {} for path in SHAPES}  # path -> idLokal -> record
        self.answers: dict[str, tuple[int, dict]] = {}  # Idempotency-Key -> the first answer
        self.requests: list[dict] = []  # every request: method, path, key, status
        self.fail_next: list[int] = []
        self.down = False
        self.lock = threading.Lock()
        self._listen(self._handler())

    def env(self) -> dict[str, str]:
        """The sync service's settings for this stand-in."""
        return {"SYNC_NATIONAL_URL": self.url, "SYNC_NATIONAL_TOKEN": TOKEN}

    def progress(self) -> dict[str, dict]:
        """What it holds of the Progres Harian, by idLokal."""
        with self.lock:
            return {k: dict(v) for k, v in self.held["/progres-harian"].items()}

    def record(self, path: str, id_lokal: str) -> dict | None:
        with self.lock:
            return self.held[path].get(id_lokal)

    def pushes(self, path: str = "/progres-harian", status: int | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path and r["method"] == "POST"
                    and (status is None or r["status"] == status)]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict | None = None):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str):
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                key = self.headers.get("Idempotency-Key")
                status, body = server._serve(method, url.path, parse_qs(url.query), raw, key,
                                             self.headers.get("Authorization"))
                with server.lock:
                    server.requests.append({"method": method, "path": url.path.rsplit("/", 1)[0]
                                            if method == "DELETE" else url.path, "key": key,
                                            "status": status})
                self._answer(status, body)

            def do_POST(self):
                self._handle("POST")

            def do_GET(self):
                self._handle("GET")

            def do_DELETE(self):
                self._handle("DELETE")

        return Handler

    def _serve(self, method, path, query, raw, key, authorization) -> tuple[int, dict | None]:
        if authorization != f"Bearer {TOKEN}":
            return 401, {"message": "token tidak sah"}
        if self.down:
            return 503, {"message": "layanan sedang dalam pemeliharaan"}
        if method == "GET" and path == "/progres-harian":
            day = (query.get("tanggal") or [""])[0]
            with self.lock:
                # an entry typed in there by hand has no idLokal: listed without one
                data = [{"id": r["id"], "nip": r.get("nip"), "tanggal": r["tanggal"]}
                        | ({"idLokal": r["idLokal"]} if "idLokal" in r else {})
                        for r in self.held[path].values() if r["tanggal"] == day]
            return 200, {"data": data}
        with self.lock:
            if method != "GET" and self.fail_next:
                return self.fail_next.pop(0), {"message": "coba lagi nanti"}
            if key and key in self.answers:
                return self.answers[key]
        if method == "DELETE" and path.startswith("/progres-harian/"):
            national_id = path.rsplit("/", 1)[1]
            with self.lock:
                found = next((k for k, r in self.held["/progres-harian"].items() if r["id"] == national_id), None)
                if found is None:
                    return 404, {"message": "tidak ditemukan"}
                del self.held["/progres-harian"][found]
                if key:
                    self.answers[key] = (204, None)
            return 204, None
        shape = SHAPES.get(path)
        if method != "POST" or shape is None:
            return 404, {"message": "tidak ditemukan"}
        try:
            item = shape.model_validate_json(raw)
            payload = json.loads(raw)
        except (ValueError, ValidationError) as error:
            detail = error.errors(include_url=False) if isinstance(error, ValidationError) else str(error)
            return 400, {"message": "data tidak sesuai format", "errors": json.loads(json.dumps(detail, default=str))}
        with self.lock:
            record = self.held[path].get(item.idLokal)
            national_id = record["id"] if record else str(uuid.uuid4())
            self.held[path][item.idLokal] = payload | {"id": national_id,
                                                       "received_at": clock.now().isoformat()}
            answer = (201, {"id": national_id, "idLokal": item.idLokal})
            if key:
                self.answers[key] = answer
        return answer
