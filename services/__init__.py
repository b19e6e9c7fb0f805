"""The four nameko services: reporting, evidence, approval, scoring."""
