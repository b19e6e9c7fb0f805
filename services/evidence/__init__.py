"""Evidence: photos and scans behind reports, in MinIO (S3) or a local folder."""
