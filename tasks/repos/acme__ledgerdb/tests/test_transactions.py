import pytest

from ledgerdb import Store, TransactionError


def test_commit_applies_changes():
    db = Store({"a": 1})
    db.begin()
    db.set("b", 2)
    db.delete("a")
    assert db.to_dict() == {"b": 2}
    db.commit()
    assert db.to_dict() == {"b": 2}
    assert not db.in_transaction
    assert db.version == 1


def test_rollback_discards_changes():
    db = Store({"a": 1})
    db.begin()
    db.set("a", 10)
    db.set("b", 2)
    db.delete("a")
    db.rollback()
    assert db.to_dict() == {"a": 1}
    assert db.version == 0


def test_empty_commit_does_not_bump_version():
    db = Store({"a": 1})
    db.begin()
    db.commit()
    assert db.version == 0


def test_commit_or_rollback_without_transaction():
    db = Store()
    with pytest.raises(TransactionError):
        db.commit()
    with pytest.raises(TransactionError):
        db.rollback()


def test_nested_commit_then_outer_commit():
    db = Store()
    db.begin()
    db.set("a", 1)
    db.begin()
    db.set("b", 2)
    assert db.depth == 2
    db.commit()
    assert db.depth == 1
    assert db.to_dict() == {"a": 1, "b": 2}
    db.commit()
    assert db.to_dict() == {"a": 1, "b": 2}
    assert db.version == 1


def test_nested_rollback_keeps_outer_writes():
    db = Store({"a": 1})
    db.begin()
    db.set("a", 2)
    db.begin()
    db.set("a", 3)
    db.set("b", 4)
    db.rollback()
    assert db.get("a") == 2
    assert "b" not in db
    db.commit()
    assert db.to_dict() == {"a": 2}


def test_outer_rollback_discards_committed_inner():
    db = Store({"a": 1})
    db.begin()
    db.begin()
    db.set("a", 5)
    db.commit()
    db.rollback()
    assert db.to_dict() == {"a": 1}


def test_pending_delete_hides_key():
    db = Store({"a": 1, "b": 2})
    db.begin()
    db.delete("a")
    assert "a" not in db
    assert db.keys() == ["b"]
    assert len(db) == 1
    db.set("a", 7)
    assert db["a"] == 7
    db.commit()
    assert db.to_dict() == {"a": 7, "b": 2}


def test_context_manager_commits():
    db = Store()
    with db.transaction():
        db.set("a", 1)
    assert db.to_dict() == {"a": 1}
    assert not db.in_transaction


def test_context_manager_rolls_back_on_error():
    db = Store({"a": 1})
    with pytest.raises(RuntimeError):
        with db.transaction():
            db.set("a", 2)
            raise RuntimeError("boom")
    assert db.to_dict() == {"a": 1}
    assert not db.in_transaction


def test_nested_context_managers():
    db = Store()
    with db.transaction():
        db.set("a", 1)
        with pytest.raises(ValueError):
            with db.transaction():
                db.set("b", 2)
                raise ValueError
        assert db.depth == 1
        db.set("c", 3)
    assert db.to_dict() == {"a": 1, "c": 3}


def test_update_inside_transaction():
    db = Store()
    db.begin()
    db.update({"x": 1, "y": 2})
    db.rollback()
    assert len(db) == 0
