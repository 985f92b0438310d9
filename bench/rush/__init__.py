"""The ticket rush (bench/ticket_rush.py), in parts: the server, the buyers' browsers,
the buyers, the meters and the checks."""
