"""The gateway: FastAPI app, public REST API (OpenAPI at /docs) and web pages."""
