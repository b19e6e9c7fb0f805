"""moto's S3 API as a process of its own, checking a declared checksum as S3 and MinIO do.

    python -m tests.support.s3server --port 9000

moto 5.2.5 records an `x-amz-checksum-sha256` header without computing it (its
S3Response._get_checksum says so: "TODO: AWS computes the provided value and verifies
it's the same"), so a store that trusted it would trust anything. AWS S3 refuses a body
that does not match with 400 BadDigest, MinIO with 400 XAmzContentChecksumMismatch ("The
provided 'x-amz-checksum' header does not match what was computed."); this stand-in
answers as MinIO does, because MinIO is what the city runs. A separate process, so the
benchmarks can count its CPU apart from the product's and the tests stop it by PID."""
import argparse
import base64
import hashlib
import logging
import signal
import threading


def verify_declared_checksums() -> None:
    from moto.s3.exceptions import S3ClientError
    from moto.s3.responses import S3Response

    class ChecksumMismatch(S3ClientError):
        def __init__(self):
            super().__init__("XAmzContentChecksumMismatch",
                             "The provided 'x-amz-checksum' header does not match what was "
                             "computed.")

    recorded = S3Response._get_checksum

    def checked(self, response_headers):
        declared = self.headers.get("x-amz-checksum-sha256")
        if declared is not None and not self.querystring.get("uploadId"):
            computed = base64.b64encode(hashlib.sha256(self.body or b"").digest()).decode()
            if declared != computed:
                raise ChecksumMismatch()
        return recorded(self, response_headers)

    S3Response._get_checksum = checked


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--port", type=int, required=True)
    opts = args.parse_args()
    verify_declared_checksums()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=opts.port, verbose=False)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
