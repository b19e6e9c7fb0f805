"""The SKP evaluation in SIASN's shape (BKN's national personnel system): the periodic
one (`kinerja periodik`: a month, a quarter, a semester) and the year's (`skp22`), as
JSON. Field names are SIASN's; coded values come from siasn_reference.json, which a city
checks against its SIASN's reference lists. docs/NATIONAL.md maps each field."""
import json
import re
from pathlib import Path

from ekinerja_contract import national_ids

REFERENCE = json.loads((Path(__file__).with_name("siasn_reference.json")).read_text())
GRADE = re.compile(r"^(I{1,3}|IV)/([a-e])$", re.IGNORECASE)
ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


def golongan_id(grade: str | None) -> str | None:
    """BKN's code of a PNS grade: III/b is "32", IV/a "41"; None for another form."""
    m = GRADE.match((grade or "").strip())
    if not m:
        return None
    return f"{ROMAN[m.group(1).upper()]}{'abcde'.index(m.group(2).lower()) + 1}"


def appraiser_fields(appraiser) -> dict:
    """SIASN's penilai… fields from the appraiser's placement (None: no employee appraised,
    a city admin entered it for a regional head: NON ASN, the fields left empty)."""
    if appraiser is None:
        return {"penilaiNama": None, "penilaiNipNrp": None, "penilaiJabatanNama": None,
                "penilaiGolongan": None, "penilaiUnorNama": None, "statusPenilai": "NON ASN"}
    return {"penilaiNama": appraiser.name, "penilaiNipNrp": appraiser.nip,
            "penilaiJabatanNama": appraiser.position_name,
            "penilaiGolongan": golongan_id(appraiser.grade),
            "penilaiUnorNama": appraiser.unit_name or appraiser.agency_name,
            "statusPenilai": "ASN"}


def evaluation(row, person, appraiser, span: str) -> dict:
    """One appraisal as SIASN takes it: the periodic shape, or skp22's for the year."""
    common = {"idLokal": national_ids.evaluation_id(row.employee_id, row.year, row.month_from,
                                                    row.month_to), "pnsDinilaiNip": person.nip,
              "tahun": row.year,
              "hasilKinerjaNilai": REFERENCE["rating"][row.result_rating],
              "perilakuKerjaNilai": REFERENCE["rating"][row.behaviour_rating],
              "kuadranKinerjaNilai": REFERENCE["kuadran"][row.predikat],
              "koefisienId": REFERENCE["koefisien"].get(person.status)} | appraiser_fields(appraiser)
    if span == "tahunan":
        fields = common | {"pnsDinilaiOrang": None}
        fields["penilaiJabatan"] = fields.pop("penilaiJabatanNama")  # skp22's own name for it
        return fields
    return common | {"pnsDinilaiId": None, "periodikId": REFERENCE["periodik"][span],
                     "bulanMulaiPenilaian": row.month_from, "bulanSelesaiPenilaian": row.month_to,
                     "tahunMulaiPenilaian": row.year, "tahunSelesaiPenilaian": row.year}
