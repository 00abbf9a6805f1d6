"""How a task's tests are run and read, shared by the agent's edit check and by grading: the
command for a set of test files (suite.py) and the log parsers (parsers.py)."""
