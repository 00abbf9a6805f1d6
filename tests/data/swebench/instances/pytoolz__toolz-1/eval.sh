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
git checkout 8d3f329e0157744c9855454f071a4aefb7eb339b toolz/tests/test_itertoolz.py
git apply -v - <<'EOF_114329324912'
diff --git a/toolz/tests/test_itertoolz.py b/toolz/tests/test_itertoolz.py
index d20da2b..5dafab2 100644
--- a/toolz/tests/test_itertoolz.py
+++ b/toolz/tests/test_itertoolz.py
@@ -268,6 +268,15 @@ def test_frequencies():
                                            "o": 4, "n": 1, "p": 1, "t": 1}
 
 
+def test_frequencies_key():
+    assert frequencies(["cat", "Cat", "ox"], key=str.lower) == {"cat": 2, "ox": 1}
+    assert frequencies([1, 2, 3, 4, 5], key=lambda x: x % 2) == {1: 3, 0: 2}
+
+
+def test_frequencies_key_none_counts_items():
+    assert frequencies("aab", key=None) == {"a": 2, "b": 1}
+
+
 def test_reduceby():
     data = [1, 2, 3, 4, 5]
     iseven = lambda x: x % 2 == 0
EOF_114329324912
: '>>>>> Start Test Output'
pytest -rA toolz/tests/test_itertoolz.py
: '>>>>> End Test Output'
git checkout 8d3f329e0157744c9855454f071a4aefb7eb339b toolz/tests/test_itertoolz.py
