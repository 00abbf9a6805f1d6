import re
import uuid

import pytest

from routekit import (
    DEFAULT_CONVERTERS,
    FloatConverter,
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    TemplateError,
    UUIDConverter,
    get_converter,
)


def fullmatch(converter, text):
    return re.fullmatch(converter.regex, text) is not None


def test_string_converter():
    conv = StringConverter()
    assert fullmatch(conv, "hello")
    assert not fullmatch(conv, "a/b")
    assert conv.to_url("a b/c") == "a%20b%2Fc"


def test_int_converter():
    conv = IntConverter()
    assert fullmatch(conv, "42")
    assert not fullmatch(conv, "-1")
    assert not fullmatch(conv, "4x")
    assert conv.to_python("007") == 7
    assert conv.to_url(12) == "12"
    with pytest.raises(ValueError):
        conv.to_url(-3)


def test_float_converter():
    conv = FloatConverter()
    assert fullmatch(conv, "2.5") and fullmatch(conv, "3")
    assert not fullmatch(conv, "2.")
    assert conv.to_python("2.5") == 2.5
    assert conv.to_url(3.0) == "3"
    assert conv.to_url(0.25) == "0.25"


@pytest.mark.parametrize("text, ok", [("hello-world", True), ("a1", True), ("Hello", False), ("a--b", False), ("-a", False)])
def test_slug_converter(text, ok):
    assert fullmatch(SlugConverter(), text) is ok


def test_uuid_converter():
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    conv = UUIDConverter()
    assert fullmatch(conv, str(value))
    assert conv.to_python(str(value).upper()) == value
    assert conv.to_url(value) == str(value)


def test_path_converter():
    conv = PathConverter()
    assert fullmatch(conv, "a/b/c.txt")
    assert conv.to_url("docs/a b.txt") == "docs/a%20b.txt"


def test_get_converter():
    assert isinstance(get_converter("int"), IntConverter)
    assert set(DEFAULT_CONVERTERS) == {"str", "int", "float", "slug", "uuid", "path"}
    with pytest.raises(TemplateError):
        get_converter("nope")


def test_get_converter_from_registry():
    class Hex(StringConverter):
        regex = "[0-9a-f]+"

    assert isinstance(get_converter("hex", {"hex": Hex}), Hex)
