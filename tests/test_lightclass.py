"""`lightclass` behaves as `@dataclass` does for what claimkit's records use: constructor, defaults, factories,
equality, repr, hash, frozenness, `dataclasses.fields` / `replace` / `asdict`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from claimkit.core.lightclass import lightclass
from claimkit.core.records import Address, Client, Policy


@lightclass(frozen=True)
class Light:
    a: int
    b: str = "x"
    c: list = field(default_factory=list)


@dataclass(frozen=True)
class Heavy:
    a: int
    b: str = "x"
    c: list = field(default_factory=list)


def test_same_constructor_repr_and_equality_as_a_dataclass():
    for args, kw in (((1,), {}), ((1, "y"), {}), ((), {"a": 2, "c": [1]}), ((3,), {"b": "z"})):
        light, heavy = Light(*args, **kw), Heavy(*args, **kw)
        assert repr(light) == repr(heavy).replace("Heavy", "Light")
        assert dataclasses.astuple(light) == dataclasses.astuple(heavy)
    assert Light(1) == Light(1, "x", []) and Light(1) != Light(2) and Light(1) != Heavy(1)
    assert Light(1).c is not Light(1).c  # a fresh list each time
    assert [f.name for f in dataclasses.fields(Light)] == ["a", "b", "c"]
    assert dataclasses.replace(Light(1, "y"), a=5) == Light(5, "y")
    assert dataclasses.asdict(Light(1, c=[2])) == {"a": 1, "b": "x", "c": [2]}


def test_bad_arguments_fail_as_they_do_for_a_dataclass():
    for call in (lambda: Light(), lambda: Light(1, "x", [], 4), lambda: Light(1, a=2), lambda: Light(1, d=3)):
        with pytest.raises(TypeError):
            call()


def test_frozen_records_refuse_assignment_and_hash_by_value():
    light = Light(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        light.a = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del light.b
    assert hash(Address(street="1 Main")) == hash(Address(street="1 Main"))
    with pytest.raises(TypeError):  # a record holding a list is unhashable, as a frozen dataclass would be
        hash(Light(1))


def test_mutable_lightclass_is_unhashable_and_assignable():
    @lightclass
    class State:
        home: str | None = None

    s = State()
    s.home = "/tmp/x"
    assert s == State("/tmp/x")
    with pytest.raises(TypeError):
        hash(s)


def test_records_round_trip_through_plain_data():
    client = Client.from_data({"id": "tess", "first": "Tess", "last": "Testcase", "dob": "1990-01-02", "sex": "F",
                               "policies": [{"payer": "acme", "member_id": "A1", "copay": "25.00"}]})
    assert client.policies[0] == Policy.from_data(client.policies[0].to_data())
    assert Client.from_data(client.to_data()) == client
    assert client.replace(first="Tina").first == "Tina" and client.first == "Tess"


def test_type_checkers_are_told_it_is_a_dataclass_transform():
    """PEP 681: `typing.dataclass_transform` marks the decorator, naming dataclasses.field as its field specifier."""
    spec = lightclass.__dataclass_transform__
    assert dataclasses.field in spec["field_specifiers"] and spec["eq_default"] is True
    assert Light(1).b == "x"  # still the same decorator at run time
