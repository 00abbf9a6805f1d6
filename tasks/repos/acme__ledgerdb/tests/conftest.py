import pytest

from ledgerdb import Store

PEOPLE = {
    "user:1": {"name": "Ann", "city": "Oslo", "age": 34, "tags": ["admin"]},
    "user:2": {"name": "Bob", "city": "Bergen", "age": 27, "tags": []},
    "user:3": {"name": "Cleo", "city": "Oslo", "age": 41, "address": {"zip": "0150"}},
    "user:4": {"name": "Dag", "city": "Tromsø", "age": 19, "tags": ["new"]},
    "user:5": {"name": "Eva", "city": "Bergen"},
    "team:1": {"name": "Core", "size": 4},
}


@pytest.fixture
def people():
    return Store(PEOPLE)
