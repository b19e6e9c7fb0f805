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
