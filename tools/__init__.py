"""Developer tools: the local runner, the process supervisor, demo data."""
