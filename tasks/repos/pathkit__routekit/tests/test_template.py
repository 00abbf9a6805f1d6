import pytest

from routekit import BuildError, Param, Template, TemplateError, parse_template


def test_parse_template_tokens():
    tokens = parse_template("/users/{id:int}/posts/{slug}")
    assert tokens[0] == "/users/"
    assert isinstance(tokens[1], Param) and tokens[1].name == "id"
    assert tokens[2] == "/posts/"
    assert tokens[3].name == "slug"


@pytest.mark.parametrize(
    "pattern",
    ["users", "/users/{id", "/users/id}", "/{1abc}", "/{a}/{a}", "/{a}{b}", "/{x:nope}"],
    ids=["no-slash", "open", "close", "bad-name", "duplicate", "adjacent", "unknown-converter"],
)
def test_invalid_templates(pattern):
    with pytest.raises(TemplateError):
        Template(pattern)


def test_static_template():
    template = Template("/about")
    assert template.is_static
    assert template.match("/about") == {}
    assert template.match("/about/") is None
    assert template.match("/aboutx") is None


def test_typed_match():
    template = Template("/users/{id:int}/posts/{slug:slug}")
    assert template.param_names == ["id", "slug"]
    assert template.match("/users/7/posts/hello-world") == {"id": 7, "slug": "hello-world"}
    assert template.match("/users/x/posts/hello-world") is None
    assert template.match("/users/7/posts/hello-world/extra") is None


def test_literal_text_is_escaped():
    template = Template("/v1.0/report.{fmt}")
    assert template.match("/v1.0/report.json") == {"fmt": "json"}
    assert template.match("/v1x0/report.json") is None


def test_path_parameter():
    template = Template("/static/{rest:path}")
    assert template.match("/static/css/site.css") == {"rest": "css/site.css"}


def test_build():
    template = Template("/users/{id:int}/posts/{slug}")
    assert template.build({"id": 7, "slug": "hello"}) == "/users/7/posts/hello"


def test_build_missing_or_invalid():
    template = Template("/users/{id:int}")
    with pytest.raises(BuildError):
        template.build({})
    with pytest.raises(BuildError):
        template.build({"id": "abc"})
