"""The AWS layer: sessions and clients (session.py), the read-only guard (guard.py) and the
per-run cached facts the checks read (facts.py)."""
