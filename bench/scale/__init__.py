"""The scale-out bench (bench/scale_out.py), in parts: the production recipe it runs,
its own PostgreSQL, Redis and mail server, the app's instances and workers, and the
acts."""
