import pytest

from routekit import Response, Router, dispatch


@pytest.fixture
def router():
    r = Router()

    @r.get("/")
    def home(request):
        return "home"

    @r.route("/items/{id:int}", methods=["GET", "DELETE"])
    def item(request, id):
        if request.method == "DELETE":
            return None
        return f"item {id} page {request.query.get('page', ['1'])[0]}"

    @r.post("/items")
    def create(request):
        return 201, request.body.decode()

    @r.get("/teapot")
    def teapot(request):
        return Response(418, "short and stout", {"X-Tea": "yes"})

    @r.get("/broken")
    def broken(request):
        return 3.5

    return r


def test_dispatch_get(router):
    response = dispatch(router, "GET", "/items/4?page=2")
    assert (response.status, response.body) == (200, "item 4 page 2")


def test_dispatch_tuple_and_none(router):
    assert dispatch(router, "POST", "/items", body=b"x").status == 201
    assert dispatch(router, "DELETE", "/items/4").status == 204


def test_dispatch_response_object(router):
    response = dispatch(router, "GET", "/teapot")
    assert response.status == 418
    assert response.headers == {"X-Tea": "yes"}


def test_dispatch_not_found(router):
    assert dispatch(router, "GET", "/nope").status == 404


def test_dispatch_method_not_allowed(router):
    response = dispatch(router, "GET", "/items")
    assert response.status == 405
    assert response.headers["Allow"] == "POST"


def test_dispatch_head_drops_body(router):
    response = dispatch(router, "HEAD", "/items/4")
    assert (response.status, response.body) == (200, "")


def test_dispatch_options(router):
    response = dispatch(router, "OPTIONS", "/items")
    assert response.status == 204
    assert response.headers["Allow"] == "OPTIONS, POST"


def test_dispatch_bad_handler_result(router):
    with pytest.raises(TypeError):
        dispatch(router, "GET", "/broken")
