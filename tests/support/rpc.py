"""Another service stood in by a fake, answering as nameko's proxy does.

A unit test gives a service `local(Evidence, FakeEvidence())` instead of the real
`ServiceRpc(Evidence)`: the typed client of the contract, over a transport that sends
the arguments and the reply through JSON, and an exception through nameko's own
serialize/deserialize, so the caller sees exactly what it would across the bus: a
contract error as its class, a pydantic failure as InvalidInput (the service's entrypoint
turns it into one), anything else as nameko's RemoteError."""
import json

import pydantic
from nameko.exceptions import deserialize, serialize

from ekinerja_contract.nameko_ext import invalid_input  # (importing it registers the errors)
from ekinerja_contract.services import Client


def _through_json(value):
    return json.loads(json.dumps(value, default=str))


def local(client: type[Client], fake):
    def transport(_service, name, *args):
        try:
            result = getattr(fake, name)(*_through_json(list(args)))
        except Exception as exc:  # noqa: BLE001  (every exception crosses, as in nameko)
            if isinstance(exc, pydantic.ValidationError):  # as the service's Rpc entrypoint does
                exc = invalid_input(exc)
            raise deserialize(_through_json(serialize(exc))) from None
        return _through_json(result)
    stand_in = client(transport)
    stand_in.fake = fake  # type: ignore[attr-defined]  (the test's handle on its fake)
    return stand_in
