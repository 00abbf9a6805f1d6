import pytest

from ledgerdb import KeyNotFound, Store, TransactionError


def test_snapshot_is_isolated_from_later_writes():
    db = Store({"a": 1, "b": 2})
    snap = db.snapshot()
    db.set("a", 100)
    db.delete("b")
    db.set("c", 3)
    assert snap.to_dict() == {"a": 1, "b": 2}
    assert db.to_dict() == {"a": 100, "c": 3}


def test_snapshot_reads():
    db = Store({"k:1": "x", "k:2": "y", "other": "z"})
    snap = db.snapshot("before")
    assert snap["k:1"] == "x"
    assert snap.get("missing", 0) == 0
    assert "other" in snap
    assert len(snap) == 3
    assert snap.keys("k:") == ["k:1", "k:2"]
    assert list(snap) == ["k:1", "k:2", "other"]
    with pytest.raises(KeyNotFound):
        snap["missing"]
    assert repr(snap) == "<Snapshot 'before' v0: 3 keys>"


def test_snapshot_ignores_pending_transaction():
    db = Store({"a": 1})
    db.begin()
    db.set("a", 2)
    snap = db.snapshot()
    assert snap["a"] == 1
    db.rollback()


def test_snapshot_version():
    db = Store()
    db.set("a", 1)
    first = db.snapshot()
    db.set("a", 2)
    second = db.snapshot()
    assert (first.version, second.version) == (1, 2)


def test_snapshot_diff():
    db = Store({"a": 1, "b": 2})
    old = db.snapshot()
    db.set("a", 10)
    db.delete("b")
    db.set("c", 3)
    new = db.snapshot()
    assert new.diff(old) == {"a": (10, 1), "b": (None, 2), "c": (3, None)}
    assert old.diff(old) == {}


def test_restore():
    db = Store({"a": 1})
    snap = db.snapshot()
    db.set("a", 2)
    db.set("b", 3)
    db.restore(snap)
    assert db.to_dict() == {"a": 1}


def test_restore_inside_transaction_fails():
    db = Store()
    snap = db.snapshot()
    db.begin()
    with pytest.raises(TransactionError):
        db.restore(snap)
