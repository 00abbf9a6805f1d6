import pytest

from ledgerdb import LedgerError, Store, dumps, load, loads, save


def test_roundtrip(tmp_path, people):
    path = tmp_path / "db.json"
    save(people, path)
    again = load(path)
    assert again.to_dict() == people.to_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["db.json"]


def test_dumps_skips_pending_changes():
    db = Store({"a": 1})
    db.begin()
    db.set("b", 2)
    assert loads(dumps(db)).to_dict() == {"a": 1}


def test_dumps_snapshot():
    db = Store({"a": [1, 2]})
    assert loads(dumps(db.snapshot())).to_dict() == {"a": [1, 2]}


@pytest.mark.parametrize("text", ["{", "[]", '{"format": "other"}',
                                  '{"format": "ledgerdb", "version": 99, "data": {}}'])
def test_loads_rejects(text):
    with pytest.raises(LedgerError):
        loads(text)


def test_dumps_rejects_unserializable():
    with pytest.raises(LedgerError):
        dumps(Store({"a": object()}))
