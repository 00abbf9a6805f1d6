#!/bin/bash
set -uxo pipefail
source /opt/miniconda3/bin/activate
conda activate testbed
cd /testbed
git config --global --add safe.directory /testbed
cd /testbed
git status
git show
git -c core.fileMode=false diff 50951ea51160a53a23291f41b33c9b29d633ba40
source /opt/miniconda3/bin/activate
conda activate testbed
git checkout 50951ea51160a53a23291f41b33c9b29d633ba40 tests/test_calc.py
git apply -v - <<'EOF_114329324912'
diff --git a/tests/test_calc.py b/tests/test_calc.py
index 8254331..4b454e8 100644
--- a/tests/test_calc.py
+++ b/tests/test_calc.py
@@ -9,3 +9,7 @@ class CalcTests(unittest.TestCase):
 
     def test_mean(self):
         self.assertEqual(runkit.mean([1, 2, 3]), 2)
+
+    def test_mean_of_nothing(self):
+        with self.assertRaises(ValueError):
+            runkit.mean([])
EOF_114329324912
: '>>>>> Start Test Output'
./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 test_calc
: '>>>>> End Test Output'
git checkout 50951ea51160a53a23291f41b33c9b29d633ba40 tests/test_calc.py
