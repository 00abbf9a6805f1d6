#!/bin/bash
# Runs shellcalc's tests and reports each one as pytest's -rA summary does.
cd "$(dirname "$0")/.." || exit 2
. ./calc.sh
failed=0
for file in "${@:-tests/test_calc.sh}"; do
    . "$file"
    for test in $(declare -F | awk '{print $3}' | grep '^test_'); do
        if ("$test") >/dev/null 2>&1; then
            echo "PASSED $file::$test"
        else
            echo "FAILED $file::$test"
            failed=1
        fi
        unset -f "$test"
    done
done
exit $failed
