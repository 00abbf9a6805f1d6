"""The agent: the edit-test loop (loop.py), the routing rules it follows (policy.py), and the
edit check that judges each edit (edit_check.py) against the repository's tests at the base
commit (baseline.py), run on the test files related to the edit (related.py)."""
