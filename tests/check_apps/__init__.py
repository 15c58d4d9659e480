"""Apps that tests/test_check.py reads statically (they are never served there)."""
