import pytest

from gateway.errors import ApiError
from gateway.guards import LoginLimiter


def test_login_attempts_are_limited_per_address():
    limiter = LoginLimiter(per_minute=3)
    for _ in range(3):
        limiter.check("10.0.0.1")
    with pytest.raises(ApiError) as err:
        limiter.check("10.0.0.1")
    assert err.value.status == 429
    limiter.check("10.0.0.2")  # another address is not affected


def test_deeply_nested_json_is_found_by_a_linear_scan_that_skips_strings():
    from gateway.guards import json_too_deep
    assert json_too_deep(b"[" * 200_000)
    assert not json_too_deep(b'{"a": [1, {"b": [2]}]}')
    assert not json_too_deep(b'{"text": "' + b"[" * 100 + b'"}')  # brackets inside a string
    assert not json_too_deep(b'{"q": "a \\" [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ \\\\"}')


def test_text_with_a_nul_or_another_control_character_is_refused_at_the_boundary():
    from pydantic import ValidationError

    from ekinerja_contract.schemas import DecisionIn
    with pytest.raises(ValidationError) as err:
        DecisionIn(decision="reject", reason="alasan a\x00b")
    assert err.value.errors()[0]["type"] == "control_character"
    assert DecisionIn(decision="reject", reason="baris satu\nbaris dua\ttab").reason


def test_a_page_id_is_ascii_digits_only():
    from gateway.web.routes import form_id
    assert form_id("12") == 12
    assert form_id("²") is None and form_id("１２") is None and form_id("-1") is None
    assert form_id("9" * 13) is None and form_id("") is None
