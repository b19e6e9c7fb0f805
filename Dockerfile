# One image for the four services and the gateway; each container picks its command.
# Multi-stage: build wheels into a venv, copy only the venv and the source into a slim,
# non-root runtime.
FROM python:3.11.7-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt /tmp/requirements.txt
RUN pip install "pip==26.3" "setuptools<81" wheel && pip install -r /tmp/requirements.txt

FROM python:3.11.7-slim-bookworm AS runtime
RUN groupadd --system --gid 10001 ekinerja \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin ekinerja \
 && mkdir -p /data && chown 10001:10001 /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY ekinerja_contract ./ekinerja_contract
COPY services ./services
COPY gateway ./gateway
COPY tools ./tools
COPY examples ./examples
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 \
    PYTHONWARNINGS=ignore::DeprecationWarning EKINERJA_DATA_DIR=/data
USER 10001:10001
EXPOSE 8000 9100
# The gateway by default; services: nameko run --config services/<name>/config.yml services.<name>.service
CMD ["uvicorn", "gateway.app:app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]
