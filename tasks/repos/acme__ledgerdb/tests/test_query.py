import pytest

from ledgerdb import Condition, QueryError, Store, parse_conditions


def test_where_field_op_value(people):
    assert people.query().where("city", "==", "Oslo").keys() == ["user:1", "user:3"]
    assert people.query().where("age", ">", 30).keys() == ["user:1", "user:3"]


def test_where_string(people):
    q = people.query().where("age >= 27 and city == 'Bergen'")
    assert q.keys() == ["user:2"]


def test_where_string_double_quotes_and_literals():
    assert parse_conditions('name == "Ann" and active == true and score != null') == [
        Condition("name", "==", "Ann"),
        Condition("active", "==", True),
        Condition("score", "!=", None),
    ]
    assert parse_conditions("ratio < 0.5") == [Condition("ratio", "<", 0.5)]


@pytest.mark.parametrize(
    "text", ["", "age >", "age ~ 3", "age > 3 or age < 1", "name == Ann", "age > 3 and"],
    ids=["empty", "no-value", "bad-operator", "or", "unquoted-string", "trailing-and"],
)
def test_parse_errors(text):
    with pytest.raises(QueryError):
        parse_conditions(text)


def test_missing_fields_never_match(people):
    assert "user:5" not in people.query().where("age", "!=", 0).keys()


def test_nested_field(people):
    assert people.query().where("address.zip", "==", "0150").keys() == ["user:3"]


def test_other_operators(people):
    assert people.query().where("tags", "contains", "admin").keys() == ["user:1"]
    assert people.query().where("city", "in", ["Tromsø", "Bergen"]).keys() == [
        "user:2", "user:4", "user:5"]
    assert people.query().where("name", "startswith", "C").keys() == ["team:1", "user:3"]


def test_mismatched_types_do_not_match(people):
    assert people.query().where("age", ">", "thirty").keys() == []


def test_prefix(people):
    assert people.query().prefix("team:").keys() == ["team:1"]


def test_order_by(people):
    q = people.query().prefix("user:").order_by("age")
    assert q.keys() == ["user:4", "user:2", "user:1", "user:3", "user:5"]


def test_order_by_mixed_types_fails():
    db = Store({"a": {"v": 1}, "b": {"v": "x"}})
    with pytest.raises(QueryError):
        db.query().order_by("v").all()


def test_limit_and_offset_alone(people):
    q = people.query().prefix("user:").order_by("name")
    assert q.limit(2).keys() == ["user:1", "user:2"]
    q = people.query().prefix("user:").order_by("name")
    assert q.offset(3).keys() == ["user:4", "user:5"]


def test_first_page(people):
    q = people.query().prefix("user:").order_by("name").page(1, 2)
    assert q.keys() == ["user:1", "user:2"]
    with pytest.raises(QueryError):
        people.query().page(0, 10)


def test_count_ignores_limit(people):
    q = people.query().where("city", "==", "Oslo").limit(1)
    assert q.count() == 2
    assert len(q.all()) == 1


def test_select(people):
    rows = people.query().where("name", "==", "Cleo").select("name", "address.zip", "x").all()
    assert rows == [("user:3", {"name": "Cleo", "address.zip": "0150"})]


def test_first_and_iteration(people):
    assert people.query().where("city", "==", "Nowhere").first() is None
    key, record = people.query().where("name", "==", "Dag").first()
    assert (key, record["age"]) == ("user:4", 19)
    assert [k for k, _ in people.query().prefix("team:")] == ["team:1"]


def test_where_argument_errors(people):
    with pytest.raises(QueryError):
        people.query().where("age", ">")
    with pytest.raises(QueryError):
        people.query().where("age", "=~", 3)


def test_query_sees_pending_changes(people):
    people.begin()
    people.set("user:6", {"name": "Finn", "city": "Oslo", "age": 50})
    assert people.query().where("city", "==", "Oslo").count() == 3
    people.rollback()
    assert people.query().where("city", "==", "Oslo").count() == 2


def test_query_on_snapshot(people):
    snap = people.snapshot()
    people.delete("user:1")
    assert snap.query().where("city", "==", "Oslo").keys() == ["user:1", "user:3"]
