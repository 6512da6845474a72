"""The OpenAPI description of the pages and files (dashboard/site_openapi.py): valid, built
from the routes the server has, with parameter examples that are the declared values.
schemathesis explores it against a live server in tests/dashboard/test_api_schemathesis.py."""

from __future__ import annotations

import json
from typing import Any

import flask
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from core.catalog import Catalog
from core.policy import ANONYMOUS
from dashboard import site_openapi, urls
from dashboard.access import visible_catalog
from dashboard.app import create_app

# Flask endpoints of the pages and files a reader opens (the API has its own document)
FILE_ENDPOINTS = (
    "indicator_download",
    "region_departments_download",
    "area_download",
    "embed_indicator",
    "sign_in",
)


@pytest.fixture(scope="module")
def document(catalog: Catalog) -> dict[str, Any]:
    public = visible_catalog(catalog, ANONYMOUS)
    return site_openapi.document(
        indicator_ids=[i.id for i in public.indicators], axis_ids=[a.id for a in public.axes]
    )


@pytest.fixture(scope="module")
def server(demo_url: str) -> flask.Flask:
    return create_app(database_url=demo_url, redis_url="").server


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_the_document_is_not_served(server: flask.Flask) -> None:
    # only the tests read it: no route of the server answers with it
    modules = {view.__module__ for view in server.view_functions.values()}
    assert site_openapi.__name__ not in modules


def test_every_page_but_the_not_found_one_is_described(document: dict[str, Any]) -> None:
    described = {urls.openapi_path(p.path) for p in urls.PAGES if p.module != "not_found_404"}
    assert described <= set(document["paths"])


def test_every_file_route_of_the_server_is_described(
    document: dict[str, Any], server: flask.Flask
) -> None:
    # Given the server's routes of files, downloads, embeds and data by URL
    rules = [
        r.rule
        for r in server.url_map.iter_rules()
        if r.endpoint in FILE_ENDPOINTS or r.endpoint.startswith("view_file_")
    ]
    assert len(rules) == len(FILE_ENDPOINTS) + len(urls.VIEW_FILE_PAGES)
    # Then each of its addresses has an operation (one per suffix for data by URL)
    paths = set(document["paths"])
    for rule in rules:
        base, _, choices = rule.partition("<any(")
        suffixes = [c.strip(' "') for c in choices.split(")")[0].split(",")] if choices else [""]
        for suffix in suffixes:
            assert urls.openapi_path(base.replace(f"<{urls.LAZY}:", "<")) + suffix in paths


def test_every_page_takes_every_view_parameter_and_its_old_names(
    document: dict[str, Any],
) -> None:
    names = {n for p in urls.PARAMS for n in (p.name, *p.old_names)}
    operation = document["paths"][urls.openapi_path(urls.BY_MODULE["indicator"].path)]["get"]
    query = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    # and the path variable, which Dash lets the query override
    assert query == names | {"indicator_id"}


@pytest.mark.parametrize(("name", "examples"), sorted(site_openapi.PARAM_EXAMPLES.items()))
def test_each_example_is_a_value_the_parameter_keeps(name: str, examples: tuple[str]) -> None:
    param = urls.BY_NAME[name]
    for example in examples:  # or "", the default of a switch
        assert param.normalise(example) is not None or example == "", example


@pytest.mark.parametrize(("level", "codes"), sorted(site_openapi.AREA_EXAMPLES.items()))
def test_each_example_area_exists(level: str, codes: tuple[str]) -> None:
    assert [urls.valid_code(level, c) for c in codes] == list(codes)


def test_the_examples_of_a_download_name_one_file_together(
    document: dict[str, Any], server: flask.Flask
) -> None:
    # Given the i-th examples of each path parameter of a download route
    client = server.test_client()
    for path, item in document["paths"].items():
        if not path.startswith(urls.DOWNLOADS):
            continue
        params = [p for p in item["get"]["parameters"] if p["in"] == "path"]
        for values in zip(*(p["schema"]["examples"] for p in params), strict=True):
            address = path
            for param, value in zip(params, values, strict=True):
                address = address.replace("{" + param["name"] + "}", value)
            # Then the server has that file
            assert client.get(address).status_code == 200, address


def test_every_view_parameter_has_examples(document: dict[str, Any]) -> None:
    operation = document["paths"][urls.HOME]["get"]
    for param in operation["parameters"]:
        schema = param["schema"].get("items", param["schema"])
        assert schema.get("examples"), param["name"]


def test_a_json_file_matches_its_schema(document: dict[str, Any], server: flask.Flask) -> None:
    # Given the schema of the JSON files, with its records
    schema = {**document["components"]["schemas"]["JsonFile"]}
    schema["$defs"] = document["components"]["schemas"]
    schema = _local_refs(schema)
    client = server.test_client()
    for href in (
        urls.indicator("mssante_messages_mois"),
        urls.area("region", "53"),
        urls.objectives(),
    ):
        response = client.get(urls.view_file(href, ".json"))
        # Then each file the server writes is valid against it, and has records
        assert response.status_code == 200
        body = response.get_json()
        Draft202012Validator(schema).validate(body)
        assert body["records"]
    # And a number written as text would break it
    body["records"][0]["value"] = "41,5"
    assert not Draft202012Validator(schema).is_valid(body)


def _local_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """`#/components/schemas/X` → `#/$defs/X`, for a plain JSON Schema validator."""
    text = json.dumps(schema).replace("#/components/schemas/", "#/$defs/")
    return dict(json.loads(text))
