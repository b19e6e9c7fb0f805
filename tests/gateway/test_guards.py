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
