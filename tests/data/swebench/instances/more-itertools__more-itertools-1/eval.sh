#!/bin/bash
set -uxo pipefail
source /opt/miniconda3/bin/activate
conda activate testbed
cd /testbed
git config --global --add safe.directory /testbed
cd /testbed
git status
git show
git -c core.fileMode=false diff 51c0c42be8ab3d78fa93ba7ea5056df7d3589b46
source /opt/miniconda3/bin/activate
conda activate testbed
git checkout 51c0c42be8ab3d78fa93ba7ea5056df7d3589b46 tests/test_dotproduct.py
git apply -v - <<'EOF_114329324912'
diff --git a/tests/test_dotproduct.py b/tests/test_dotproduct.py
new file mode 100644
index 0000000..f286f36
--- /dev/null
+++ b/tests/test_dotproduct.py
@@ -0,0 +1,20 @@
+from unittest import TestCase
+
+import more_itertools as mi
+
+
+class DotproductLengthTests(TestCase):
+    def test_equal_lengths(self):
+        """Vectors of equal length multiply pairwise"""
+        self.assertEqual(11, mi.dotproduct([1, 2], [3, 4]))
+
+    def test_iterators(self):
+        self.assertEqual(11, mi.dotproduct(iter([1, 2]), iter([3, 4])))
+
+    def test_unequal_lengths(self):
+        with self.assertRaises(ValueError):
+            mi.dotproduct([1, 2, 3], [4, 5])
+
+    def test_unequal_iterators(self):
+        with self.assertRaises(ValueError):
+            mi.dotproduct(iter([1]), iter([4, 5]))
EOF_114329324912
: '>>>>> Start Test Output'
python -m unittest -v tests/test_dotproduct.py
: '>>>>> End Test Output'
git checkout 51c0c42be8ab3d78fa93ba7ea5056df7d3589b46 tests/test_dotproduct.py
