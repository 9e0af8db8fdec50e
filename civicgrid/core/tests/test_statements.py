"""Statements built once give what their queryset gives, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.core import statements
from civicgrid.core.statements import ModelStatement, Statement
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "number", "state", "answers", "created_at", "resolve_due", "category__code")


def by_number(number: str):
    return Need.objects.filter(number=number).values_list(*COLUMNS)


def test_a_statement_reads_what_its_queryset_reads_and_is_compiled_once(monkeypatch):
    w = nf.world()
    needs = [nf.force(nf.raise_need(w), answers={"floor": "3"}) for _ in range(3)]
    statement = Statement(by_number, number=str)
    compiled = []
    real = Statement._compile
    monkeypatch.setattr(
        Statement, "_compile", lambda self, alias: compiled.append(alias) or real(self, alias)
    )
    for need in needs:
        with CaptureQueriesContext(connection) as ctx:
            rows = statement(number=need.number)
        assert rows == list(by_number(need.number))  # dates as datetimes, JSON as a dict
        assert rows[0][3] == {"floor": "3"} and rows[0][4].tzinfo is not None
        assert len(ctx.captured_queries) == 1
    assert compiled == ["default"]
    assert statement(number="NOSUCH00") == []


def test_integer_arguments_and_constants_are_placed_where_they_belong():
    w = nf.world()
    need = nf.raise_need(w)
    statement = Statement(
        lambda pk, kind: Need.objects.filter(pk=pk, kind=kind, priority="normal").values_list(
            "number"
        ),
        pk=int,
        kind=str,
    )
    assert statement(pk=need.pk, kind=need.kind) == [(need.number,)]
    assert statement(pk=need.pk, kind="visit") == []


def test_an_argument_the_lookup_changes_is_refused_when_compiled():
    statement = Statement(
        lambda text: Need.objects.filter(description__contains=text).values_list("id"), text=str
    )
    with pytest.raises(ImproperlyConfigured, match="exact values"):
        statement(text="lamp")


def test_a_prefix_argument_is_compared_as_startswith_compares_it():
    """`Prefix` arguments stand for `__startswith` values: escaped as Django escapes them,
    so a path holding LIKE's own characters matches itself only."""
    from civicgrid.network.models import Node

    def under(prefix: str):
        return Node.objects.filter(path__startswith=prefix).order_by("path").values_list("path")

    w = nf.world()
    statement = Statement(under, prefix=statements.Prefix)
    town, grid = w.t["town1"].path, w.t["gridA"].path
    for prefix in (town, grid, grid[:-1], "", "%", "_/", "nowhere/"):
        assert statement(prefix=prefix) == list(under(prefix)), prefix
    assert statement(prefix=town)
    assert statement(prefix="%") == []


def test_datetime_arguments_bound_a_range_as_the_orm_does():
    from django.utils import timezone

    w = nf.world()
    needs = [nf.raise_need(w) for _ in range(3)]
    for i, need in enumerate(needs):
        nf.force(need, created_at=timezone.now() - dt.timedelta(days=i, microseconds=7))

    def window(start: dt.datetime, end: dt.datetime):
        return (
            Need.objects.filter(created_at__gte=start, created_at__lte=end)
            .order_by("-created_at")
            .values_list("number")
        )

    statement = Statement(window, start=dt.datetime, end=dt.datetime)
    at = [Need.objects.get(pk=n.pk).created_at for n in needs]
    beijing = dt.timezone(dt.timedelta(hours=8))
    for start, end in [
        (at[2], at[0]),
        (at[1], at[0]),  # both ends included, to the microsecond
        (at[1] + dt.timedelta(microseconds=1), at[0]),
        (at[2].astimezone(beijing), at[1].astimezone(beijing)),
        (at[0], at[2]),
    ]:
        assert statement(start=start, end=end) == list(window(start, end)), (start, end)
    assert len(statement(start=at[2], end=at[0])) == 3


def test_the_arguments_are_named_as_declared():
    statement = Statement(by_number, number=str)
    with pytest.raises(TypeError):
        statement(numbr="X")


def test_stand_ins_are_of_the_arguments_type():
    assert isinstance(statements._stand_in(int), int)
    assert isinstance(statements._stand_in(str), str)
    assert isinstance(statements._stand_in(statements.Prefix), str)
    assert statements._stand_in(dt.datetime).tzinfo is not None
    with pytest.raises(ImproperlyConfigured):
        statements._stand_in(float)


def test_a_model_statement_builds_the_instances_its_queryset_builds():
    w = nf.world()
    needs = [nf.force(nf.raise_need(w), answers={"floor": "2"}) for _ in range(2)]
    statement = ModelStatement(
        lambda number: Need.objects.select_related("category", "node", "owner_node").filter(
            number=number
        ),
        number=str,
    )
    for need in needs:
        expected = Need.objects.select_related("category", "node", "owner_node").get(pk=need.pk)
        with CaptureQueriesContext(connection) as ctx:
            (got,) = statement(number=need.number)
            # The related rows came with it: reading them sends nothing.
            assert (got.category.code, got.node.path, got.owner_node.name) == (
                expected.category.code,
                expected.node.path,
                expected.owner_node.name,
            )
        assert len(ctx.captured_queries) == 1
        assert got == expected and not got._state.adding and got._state.db == "default"
        assert {f.attname: getattr(got, f.attname) for f in Need._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in Need._meta.concrete_fields
        }
        got.description = "changed"
        got.save(update_fields=["description"])  # an instance like any other
        assert Need.objects.get(pk=need.pk).description == "changed"
    assert statement(number="NOSUCH00") == []


def test_a_model_statement_refuses_what_it_cannot_build():
    statement = ModelStatement(
        lambda number: Need.objects.filter(number=number).prefetch_related("events"),
        number=str,
    )
    with pytest.raises(ImproperlyConfigured, match="columns of models"):
        statement(number="X")


def test_on_postgresql_a_statement_is_prepared_once_per_connection():
    w = nf.world()
    needs = [nf.raise_need(w) for _ in range(3)]
    statement = Statement(by_number, number=str)

    def prepared() -> int:
        if connection.vendor != "postgresql":
            return 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    before = prepared()
    for need in needs:
        assert statement(number=need.number)[0][1] == need.number
    # Planned once on PostgreSQL (the connection keeps it); SQLite has nothing to keep.
    assert prepared() - before == (1 if connection.vendor == "postgresql" else 0)
    # One whose plan depends on its values is planned each time, as the ORM's queries are.
    each_time = Statement(
        lambda number: Need.objects.filter(number=number).values_list("number"),
        prepare=False,
        number=str,
    )
    for need in needs:
        assert each_time(number=need.number) == [(need.number,)]
    assert prepared() - before == (1 if connection.vendor == "postgresql" else 0)
