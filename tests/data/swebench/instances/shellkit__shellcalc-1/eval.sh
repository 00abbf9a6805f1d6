#!/bin/bash
set -uxo pipefail
cd /testbed
git config --global --add safe.directory /testbed
cd /testbed
git status
git show
git -c core.fileMode=false diff ea6ee80b6d8cb9dbbccbf164d6604479e4c60ed3
git checkout ea6ee80b6d8cb9dbbccbf164d6604479e4c60ed3 tests/test_calc.sh
git apply -v - <<'EOF_114329324912'
diff --git a/tests/test_calc.sh b/tests/test_calc.sh
index 8faa21e..5b7588f 100644
--- a/tests/test_calc.sh
+++ b/tests/test_calc.sh
@@ -1,3 +1,5 @@
 test_add() { [ "$(add 2 3)" = 5 ]; }
 test_add_negative() { [ "$(add -2 3)" = 1 ]; }
 test_mul() { [ "$(mul 4 3)" = 12 ]; }
+test_sub() { [ "$(sub 5 3)" = 2 ]; }
+test_sub_below_zero() { [ "$(sub 3 5)" = -2 ]; }
EOF_114329324912
: '>>>>> Start Test Output'
bash tests/run.sh tests/test_calc.sh
: '>>>>> End Test Output'
git checkout ea6ee80b6d8cb9dbbccbf164d6604479e4c60ed3 tests/test_calc.sh
