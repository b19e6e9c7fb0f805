"""The SKP form without a broker: the rows and indicators it reads from a post, the
items it sends, and each refusal's reason on the field it is about."""
from starlette.datastructures import FormData

from gateway import messages
from gateway.web import routes
from gateway.web.i18n import STRINGS


def form(**fields) -> FormData:
    return FormData([(k, v) for k, values in fields.items()
                     for v in (values if isinstance(values, list) else [values])])


def test_an_item_keeps_every_indicator_the_page_sent_and_drops_removed_and_empty_ones():
    rows = routes._skp_rows_from(form(
        item_0_kind="main", item_0_title="Tertatanya arsip", item_0_parent="7",
        item_0_ind_0_name="Berkas tertata", item_0_ind_0_quantity="1.250", item_0_ind_0_unit="berkas",
        item_0_ind_0_quality="90", item_0_ind_0_months="6",
        item_0_ind_2_name="Arsip terpindai", item_0_ind_2_quantity="2,5", item_0_ind_2_unit="hari",
        item_0_ind_3_name="Dihapus", item_0_ind_3_quantity="1", item_0_ind_3_unit="x",
        item_0_ind_3_remove="1",
        item_0_ind_4_name="", item_0_ind_4_quantity="", item_0_ind_4_unit="",
        item_1_kind="additional", item_1_title="", item_1_ind_0_name="", item_1_ind_0_quantity="",
        item_1_ind_0_unit=""))
    assert [r["n"] for r in rows] == [0, 1]
    assert [i["m"] for i in rows[0]["indicators"]] == [0, 2]
    # Indonesian numbers: a dot groups thousands, a comma is the decimal point
    assert rows[0]["indicators"][0] == {"m": 0, "name": "Berkas tertata", "quantity": "1250",
                                        "unit": "berkas", "quality": "90", "months": "6"}
    assert rows[0]["indicators"][1]["quantity"] == "2.5"
    items = routes._skp_items(rows)
    assert items == [{"kind": "main", "title": "Tertatanya arsip", "parent_item_id": 7,
                      "indicators": [
                          {"name": "Berkas tertata", "quantity": "1250", "unit": "berkas",
                           "quality": "90", "months": "6"},
                          {"name": "Arsip terpindai", "quantity": "2.5", "unit": "hari"}]}]


def test_numbers_are_read_the_indonesian_way_and_anything_else_is_left_to_the_service():
    assert routes._indonesian_number("1.000.000") == "1000000"
    assert routes._indonesian_number("12,75") == "12.75"
    assert routes._indonesian_number("1.250,5") == "1250.5"
    assert routes._indonesian_number("2.5") == "2.5"  # not a grouping: as typed
    assert routes._indonesian_number("١٢,٥") == "١٢,٥"  # ASCII digits only
    assert routes._indonesian_number("abc") == "abc"


def test_hostile_indicator_names_and_hidden_targets_are_ignored():
    rows = routes._skp_rows_from(form(
        item_0_kind="main", item_0_title="Judul butir", item_0_ind_٣_name="x",
        item_0_ind_999_name="y", item_0_ind_0_name="Nama", item_0_ind_0_quantity="1",
        item_0_ind_0_unit="u", item_0_ind_0_quality="²", item_0_ind_0_months="-1"))
    assert rows[0]["indicators"] == [{"m": 0, "name": "Nama", "quantity": "1", "unit": "u"}]


def test_a_service_reason_lands_on_its_field_named_by_item_indicator_and_label():
    rows = [{"n": 0, "kind": "main", "title": "", "parent_item_id": None, "indicators": []},
            {"n": 1, "kind": "main", "title": "Butir kedua", "parent_item_id": None,
             "indicators": [{"m": 0, "name": "Baik", "quantity": "1", "unit": "x"},
                            {"m": 3, "name": "Ind", "quantity": "0", "unit": ""}]},
            {"n": 2, "kind": "creative", "title": "Butir ketiga", "parent_item_id": None,
             "indicators": []}]
    details = [
        {"field": "items.0.indicators.1.quantity", "code": "greater_than", "params": {"gt": "0"}},
        {"field": "items.0.indicators.1.unit", "code": "string_too_short",
         "params": {"min_length": "1"}},
        {"field": "items.0.indicators.1.name", "code": "string_too_short",
         "params": {"min_length": "3"}},
        {"field": "items.1.indicators", "code": "too_short", "params": {"min_length": "1"}},
        {"row": 1, "field": "parent_item_id", "code": "skp_parent_required"},
        {"field": "year", "code": "less_than_equal", "params": {"le": "2100"}},
    ]
    fields, summary = routes._skp_errors(rows, details)
    assert fields == {
        "item_1_ind_3_quantity": "harus lebih dari 0",
        "item_1_ind_3_unit": "wajib diisi",  # left empty: said so, not "too short"
        "item_1_ind_3_name": "terlalu pendek (minimal 3 karakter)",
        "item_2_indicators": messages.REASONS["skp_indicator_required"],
        "item_1_parent": messages.REASONS["skp_parent_required"],
    }
    assert summary[0] == {"id": "item_1_ind_3_quantity",
                          "text": "Butir 2, Indikator 2, Target: harus lebih dari 0"}
    assert {"id": "item_2_indicators",
            "text": "Butir 3, Indikator dan target: " + messages.REASONS["skp_indicator_required"]} \
        in summary
    assert summary[-1] == {"id": "skp_form", "text": "Tahun: maksimal 2100"}


def test_every_label_and_reason_the_skp_page_uses_is_indonesian_text():
    strings = STRINGS["id"]
    for key in routes.SKP_FIELD_LABELS.values():
        assert key in strings, key
    for key in ("skp_indicators", "skp_indicator_name", "skp_spare_indicator",
                "skp_remove_indicator", "skp_indicators_hint", "js_add_indicator",
                "js_remove_indicator", "js_indicator"):
        assert key in strings, key
    assert messages.has_text("skp_indicator_required")
