test_add() { [ "$(add 2 3)" = 5 ]; }
test_add_negative() { [ "$(add -2 3)" = 1 ]; }
test_mul() { [ "$(mul 4 3)" = 12 ]; }
