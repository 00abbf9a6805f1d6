#!/bin/bash
set -uxo pipefail
source /opt/miniconda3/bin/activate
conda activate testbed
cd /testbed
git config --global --add safe.directory /testbed
cd /testbed
git status
git show
git -c core.fileMode=false diff 8d3f329e0157744c9855454f071a4aefb7eb339b
source /opt/miniconda3/bin/activate
conda activate testbed
git checkout 8d3f329e0157744c9855454f071a4aefb7eb339b toolz/tests/extra/conftest.py toolz/tests/extra/test_extra.py
git apply -v - <<'EOF_114329324912'
diff --git a/toolz/tests/extra/conftest.py b/toolz/tests/extra/conftest.py
new file mode 100644
index 0000000..61f0616
--- /dev/null
+++ b/toolz/tests/extra/conftest.py
@@ -0,0 +1,6 @@
+import pytest
+
+
+@pytest.fixture
+def words():
+    return ["cat", "Cat", "ox", "cat"]
diff --git a/toolz/tests/extra/test_extra.py b/toolz/tests/extra/test_extra.py
new file mode 100644
index 0000000..42c4fdc
--- /dev/null
+++ b/toolz/tests/extra/test_extra.py
@@ -0,0 +1,9 @@
+from toolz import frequencies
+
+
+def test_frequencies_of_a_fixture(words):
+    assert frequencies(words) == {"cat": 2, "Cat": 1, "ox": 1}
+
+
+def test_frequencies_key_of_a_fixture(words):
+    assert frequencies(words, key=str.lower) == {"cat": 3, "ox": 1}
EOF_114329324912
: '>>>>> Start Test Output'
pytest -rA toolz/tests/extra/test_extra.py
: '>>>>> End Test Output'
git checkout 8d3f329e0157744c9855454f071a4aefb7eb339b toolz/tests/extra/conftest.py toolz/tests/extra/test_extra.py
