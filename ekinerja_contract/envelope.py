"""The event envelope: every event on the bus is one of these, as JSON.

Published to the topic exchange `<source>.events` with the event type as
routing key, so any AMQP client can bind a queue of its own (see docs/EVENTS.md).
"""
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Envelope(BaseModel):
    # Unknown fields are kept: a v1 consumer must read any later v1.x event.
    model_config = ConfigDict(extra="allow")

    id: str = Field(description="Unique event id (UUID); consumers de-duplicate on it")
    type: str = Field(description="Event type, also the routing key, e.g. report.submitted")
    version: str = Field(description="Schema version of `data`, MAJOR.MINOR")
    time: datetime = Field(description="When the state change was committed (UTC)")
    source: str = Field(description="Publishing service; the exchange is `<source>.events`")
    correlation_id: str | None = Field(default=None, description="Carried from the HTTP request")
    data: dict[str, Any]


def new_event_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """The one clock's instant (clock.now): events are stamped by the city's clock."""
    from . import clock
    return clock.now()
