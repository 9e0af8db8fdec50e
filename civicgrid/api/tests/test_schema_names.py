"""The OpenAPI document names each schema by its class: two schema classes of one name in
different modules would share one component, and one of them would be described wrongly (a
committee's contact was once validated against a key project's). Names are unique."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings
from collections import Counter

import pytest
from ninja import Schema

import civicgrid.api
import civicgrid.api.endpoints
from civicgrid.api.api import api

pytestmark = pytest.mark.django_db


def _schema_classes() -> list[type]:
    found = []
    modules = [
        f"civicgrid.api.{m.name}"
        for m in pkgutil.iter_modules(civicgrid.api.__path__)
        if m.name.startswith("schemas")
    ] + [
        f"civicgrid.api.endpoints.{m.name}"
        for m in pkgutil.iter_modules(civicgrid.api.endpoints.__path__)
    ]
    for name in modules:
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Schema) and value.__module__ == name:
                found.append(value)
    return found


def test_no_two_schema_classes_share_a_name():
    names = Counter(cls.__name__ for cls in _schema_classes())
    assert [name for name, n in names.items() if n > 1] == []


def test_no_two_operations_share_an_id():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = api.get_openapi_schema(path_prefix="/api/v1")
    ids = Counter(op["operationId"] for item in schema["paths"].values() for op in item.values())
    assert [i for i, n in ids.items() if n > 1] == []
