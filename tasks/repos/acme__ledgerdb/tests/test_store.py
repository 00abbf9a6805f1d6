import pytest

from ledgerdb import KeyNotFound, Store


def test_set_get_delete():
    db = Store()
    db.set("a", 1)
    assert db.get("a") == 1
    assert db["a"] == 1
    assert "a" in db
    db.delete("a")
    assert db.get("a") is None
    assert db.get("a", "fallback") == "fallback"
    assert "a" not in db


def test_missing_key_errors():
    db = Store()
    with pytest.raises(KeyNotFound):
        db["nope"]
    with pytest.raises(KeyNotFound):
        db.delete("nope")
    with pytest.raises(KeyError):  # KeyNotFound is a KeyError too
        del db["nope"]


def test_key_validation():
    db = Store()
    with pytest.raises(TypeError):
        db.set(1, "x")
    with pytest.raises(ValueError):
        db.set("", "x")


def test_keys_sorted_and_prefix(people):
    assert people.keys()[:2] == ["team:1", "user:1"]
    assert people.keys("user:") == ["user:1", "user:2", "user:3", "user:4", "user:5"]
    assert len(people) == 6
    assert list(people) == people.keys()


def test_items_values_to_dict():
    db = Store({"b": 2, "a": 1})
    assert db.items() == [("a", 1), ("b", 2)]
    assert db.values() == [1, 2]
    assert db.to_dict() == {"a": 1, "b": 2}


def test_pop():
    db = Store({"a": 1})
    assert db.pop("a") == 1
    assert db.pop("a", None) is None
    with pytest.raises(KeyNotFound):
        db.pop("a")


def test_update_commits_once():
    db = Store()
    db.update({"a": 1, "b": 2})
    db.update([("c", 3)])
    assert db.to_dict() == {"a": 1, "b": 2, "c": 3}
    assert db.version == 2


def test_version_counts_commits():
    db = Store()
    assert db.version == 0
    db.set("a", 1)
    db["b"] = 2
    del db["a"]
    assert db.version == 3


def test_repr():
    db = Store({"a": 1})
    assert repr(db) == "<Store v0: 1 keys>"
    db.begin()
    assert "1 open transaction" in repr(db)
