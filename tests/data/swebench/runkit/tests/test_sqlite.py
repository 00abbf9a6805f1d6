DATABASES = {"default": {"ENGINE": "sqlite3", "NAME": ":memory:"}}
TEST_LABELS = ["test_calc"]
