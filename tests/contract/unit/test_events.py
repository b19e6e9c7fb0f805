import pytest
from pydantic import ValidationError

from ekinerja_contract import events
from ekinerja_contract.envelope import Envelope
from tests.support.factories import submitted_data


def test_envelope_carries_id_type_version_time_source_and_correlation():
    env = events.build("report.submitted", submitted_data(), "reporting", "corr-1")
    assert env.type == "report.submitted" and env.version == "1.0"
    assert env.source == "reporting" and env.correlation_id == "corr-1"
    assert len(env.id) == 36 and env.time.tzinfo is not None
    assert env.data["points"] == "5.00"  # exact decimals travel as strings


def test_event_data_is_validated_against_its_schema():
    with pytest.raises(ValidationError):
        events.build("report.submitted", submitted_data(points="lots"), "reporting")


def test_only_the_owning_service_publishes_an_event_type():
    with pytest.raises(ValueError):
        events.build("report.submitted", submitted_data(), "approval")


def test_v1_consumer_reads_a_later_v1_minor_with_extra_fields():
    env = events.build("report.submitted", submitted_data(), "reporting")
    later = Envelope.model_validate({**env.model_dump(mode="json"), "version": "1.3",
                                     "data": {**env.data, "new_field": "x"}})
    assert events.parse(later).report_id == 1


def test_a_new_major_version_is_refused_by_a_v1_consumer():
    env = events.build("report.submitted", submitted_data(), "reporting")
    with pytest.raises(ValueError):
        events.parse(env.model_copy(update={"version": "2.0"}))
