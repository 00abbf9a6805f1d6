# shellcalc: integer arithmetic for shell scripts.
add() { echo $(($1 + $2)); }
mul() { echo $(($1 * $2)); }
