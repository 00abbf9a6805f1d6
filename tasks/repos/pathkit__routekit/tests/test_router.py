import pytest

from routekit import BuildError, MethodNotAllowed, NotFound, Router


def handler(request, **params):
    return "ok"


@pytest.fixture
def router():
    r = Router()
    r.add("/", handler, name="home")
    r.add("/users", handler, methods=["GET", "POST"], name="users")
    r.add("/users/me", handler, name="me")
    r.add("/users/{id:int}", handler, methods=["GET", "PUT", "DELETE"], name="user")
    r.add("/users/{id:int}/posts/{slug:slug}", handler, name="post")
    r.add("/files/{rest:path}", handler, name="files")
    r.add("/hooks/{source}", handler, methods=["POST"], name="hook")
    return r


def test_match_static(router):
    found = router.match("GET", "/users")
    assert found.route.name == "users"
    assert found.params == {}


def test_first_route_wins(router):
    assert router.match("GET", "/users/me").route.name == "me"


def test_match_params(router):
    found = router.match("get", "/users/12/posts/first-post")
    assert found.route.name == "post"
    assert found.params == {"id": 12, "slug": "first-post"}
    assert found.handler is handler


def test_not_found(router):
    with pytest.raises(NotFound) as info:
        router.match("GET", "/nope")
    assert info.value.status == 404


def test_converter_rejects_value(router):
    with pytest.raises(NotFound):
        router.match("GET", "/users/abc/posts/x")


def test_method_not_allowed(router):
    with pytest.raises(MethodNotAllowed) as info:
        router.match("PATCH", "/users/3")
    assert info.value.status == 405
    assert {"DELETE", "GET", "PUT"} <= set(info.value.allowed)
    assert "PATCH" not in info.value.allowed


def test_head_is_answered_by_get(router):
    assert router.match("HEAD", "/users/3").route.name == "user"


def test_strict_slashes_default(router):
    with pytest.raises(NotFound):
        router.match("GET", "/users/")


def test_non_strict_slashes():
    r = Router(strict_slashes=False)
    r.add("/about", handler, name="about")
    assert r.match("GET", "/about/").route.name == "about"
    assert r.match("GET", "/about").route.name == "about"


def test_url_for(router):
    assert router.url_for("home") == "/"
    assert router.url_for("user", id=5) == "/users/5"
    assert router.url_for("post", id=1, slug="hello-world") == "/users/1/posts/hello-world"


def test_url_for_extra_values_become_query(router):
    assert router.url_for("users", page=2, tag=["a", "b"]) == "/users?page=2&tag=a&tag=b"


def test_url_for_errors(router):
    with pytest.raises(BuildError):
        router.url_for("missing")
    with pytest.raises(BuildError):
        router.url_for("user")


def test_decorators_and_names():
    r = Router()

    @r.get("/items/{id:int}")
    def show_item(request, id):
        return f"item {id}"

    @r.post("/items")
    def create_item(request):
        return 201, "created"

    assert r.url_for("show_item", id=3) == "/items/3"
    assert r.routes_named() == {"show_item": "/items/{id:int}", "create_item": "/items"}
    assert len(r) == 2


def test_duplicate_name_with_other_pattern_is_rejected():
    r = Router()
    r.add("/a", handler, name="x")
    with pytest.raises(ValueError):
        r.add("/b", handler, name="x")


def test_allowed_methods(router):
    assert router.allowed_methods("/hooks/github") == {"POST"}
    assert {"GET", "PUT", "DELETE"} <= router.allowed_methods("/users/3")
    assert router.allowed_methods("/nope") == set()


def test_bad_methods():
    r = Router()
    with pytest.raises(ValueError):
        r.add("/x", handler, methods=["FETCH"])
    with pytest.raises(ValueError):
        r.add("/x", handler, methods=[])
