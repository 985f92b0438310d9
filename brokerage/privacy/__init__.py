"""People's data under UK GDPR: how long each kind is kept (retention.py, run by the
worker) and what the privacy notice says about it (notice.py, from the same settings)."""
