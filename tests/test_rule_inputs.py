"""What a verdict depends on is declared once (`consents.rules.inputs.RULE_INPUTS`), and the
declaration, the rules and the marking of stored verdicts agree.

- The SQL `rules.verdicts` runs reads exactly the declared models and fields: a rule that
  starts reading another field, or a declaration that names a field no rule reads, fails.
- Saving a changed declared field marks the stored verdicts stale, through the models'
  signals, for every declared field.
- A write that passes the signals (`QuerySet.update`, `bulk_create`, `bulk_update`, COPY, raw
  SQL) of a declared field sits in a function that marks the verdicts stale itself.
"""

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from consents import stored
from consents.decisions.services import consent_text_publish
from consents.models import ConsentText, Subject, VerdictDirty, VerdictRefresh
from consents.rules import verdicts
from consents.rules.inputs import RULE_INPUTS, Scope, rule_input

from . import factories as f
from .helpers import amsterdam, record

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


# --- What the rules read -----------------------------------------------------------------------

TABLES = {model._meta.db_table: model for model in apps.get_models()}
# "table"."column", or alias."column" (Django's subqueries alias tables as U0, U1, ...)
COLUMN = re.compile(r'(?:"(\w+)"|\b([A-Z]\d+))\."(\w+)"')
ALIAS = re.compile(r'"(\w+)" (?:AS )?([A-Z]\d+)\b')


def columns_read(sql: str) -> set[tuple[str, str]]:
    """(table, column) pairs a query reads, up to its ORDER BY: the models' default ordering
    (a purpose's place in the list) orders the result and is no input of a verdict."""
    sql = sql.split(" ORDER BY ")[0]
    aliases = {alias: table for table, alias in ALIAS.findall(sql)}
    return {
        (table or aliases[alias], column)
        for table, alias, column in COLUMN.findall(sql)
        if (table or aliases.get(alias)) in TABLES
    }


def as_fields(pairs) -> set[tuple[str, str]]:
    found = set()
    for table, column in pairs:
        model = TABLES[table]
        by_column = {field.column: field.name for field in model._meta.local_concrete_fields}
        found.add((model._meta.label, by_column[column]))
    return found


def declared() -> set[tuple[str, str]]:
    return {(i.model._meta.label, name) for i in RULE_INPUTS for name in i.fields}


@pytest.fixture
def everything_a_verdict_reads(child, mother, father, website, photo, school, purposes):
    """Every kind of input at once: two guardians, a student of 16+, staff, a material text
    change, answers of an earlier school year."""
    with time_machine.travel(amsterdam(2025, 9, 2), tick=False):
        record(mother.user, child, website, photo)
    with time_machine.travel(amsterdam(2026, 9, 2), tick=False):
        record(father.user, child, website, photo, value="refused")
        older = f.StudentFactory(
            school=school, date_of_birth=dt.date(2009, 5, 1), user=f.UserFactory()
        )
        record(older.user, older, purposes[1], photo)
        teacher = f.StaffMemberFactory(board=school.board, schools=[school], user=f.UserFactory())
        record(teacher.user, teacher, website, photo)
        consent_text_publish(
            purpose=website, body_nl="Nieuw", body_en="New", change=ConsentText.Change.MATERIAL
        )


def test_verdicts_read_exactly_the_declared_rule_inputs(everything_a_verdict_reads):
    everyone = list(Subject.objects.values_list("id", flat=True))
    with CaptureQueriesContext(connection) as captured:
        found = verdicts(everyone, on=dt.date(2026, 10, 1), detail=False)
    assert {v.state for v in found.values()} >= {"allowed", "not_allowed", "no_answer"}
    read = as_fields(set().union(*(columns_read(q["sql"]) for q in captured.captured_queries)))
    assert read - declared() == set(), "the rules read fields RULE_INPUTS does not declare"
    assert declared() - read == set(), "RULE_INPUTS declares fields no rule reads"


def test_the_sql_reader_sees_aliased_subqueries():
    """The check above is only as good as its parser: a subquery's aliased columns count."""
    sql = (
        'SELECT "consents_consentdecision"."id" FROM "consents_consentdecision" WHERE '
        '"consents_consentdecision"."id" IN (SELECT U0."decision_id" FROM '
        '"consents_consentstatus" U0 WHERE U0."subject_id" IN (1)) ORDER BY "x"."y"'
    )
    assert columns_read(sql) == {
        ("consents_consentdecision", "id"),
        ("consents_consentstatus", "decision_id"),
        ("consents_consentstatus", "subject_id"),
    }


# --- Saving a declared field marks ------------------------------------------------------------


def changed_value(field: models.Field, value):
    if field.choices:
        return next(choice for choice, _label in field.choices if choice != value)
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateTimeField):
        return value - dt.timedelta(days=400)
    if isinstance(field, models.DateField):
        return value - dt.timedelta(days=400)
    if isinstance(field, models.IntegerField):
        return value + 100
    raise AssertionError(f"no test value for {field!r}: extend changed_value")


def plain_fields():
    """(input, field) for every declared field that holds a value rather than a key."""
    for declared_input in RULE_INPUTS:
        if declared_input.scope == Scope.LOG:
            continue
        for name in sorted(declared_input.fields):
            field = declared_input.model._meta.get_field(name)
            if not field.is_relation and not field.primary_key:
                yield pytest.param(declared_input, field, id=f"{field.model.__name__}.{name}")


@pytest.mark.parametrize(("declared_input", "field"), list(plain_fields()))
def test_saving_a_changed_rule_input_marks_the_verdicts_stale(
    everything_a_verdict_reads, declared_input, field
):
    stored.refresh()
    row = declared_input.model._default_manager.order_by("pk").first()
    setattr(row, field.attname, changed_value(field, getattr(row, field.attname)))
    if declared_input.model is ConsentText:
        # A text is never edited, only published anew (test_stored_write_paths.py).
        with pytest.raises(ValidationError):
            row.save()
        return
    row.save()
    if declared_input.scope == Scope.EVERYONE:
        assert VerdictRefresh.objects.get().as_of is None
    else:
        person = getattr(row, row._meta.get_field(declared_input.person).attname)
        assert VerdictDirty.objects.filter(subject_id=person).exists()


def test_every_declared_model_and_its_subclasses_is_watched():
    from django.db.models.signals import post_delete, post_save

    for model in apps.get_app_config("consents").get_models():
        found = rule_input(model)
        if found is None or found.scope == Scope.LOG:
            continue
        assert post_save.has_listeners(model), model
        assert post_delete.has_listeners(model) == found.deletes_signalled, model


# --- Writes that pass the signals ---------------------------------------------------------------

MARKER = "verdicts_mark_stale"
BULK = {"update", "bulk_create", "bulk_update"}
SQL_WRITE = re.compile(r"\b(INSERT INTO|UPDATE|DELETE FROM|COPY|TRUNCATE)\b", re.IGNORECASE)


def input_models() -> dict[str, type]:
    """Class name -> model, for every model whose rows a rule reads and that needs marking."""
    return {
        model.__name__: model
        for model in apps.get_app_config("consents").get_models()
        if (found := rule_input(model)) is not None and found.scope != Scope.LOG
    }


def declared_names(model) -> set[str]:
    names = set()
    for candidate in (model, *model._meta.get_parent_list()):
        for declared_input in RULE_INPUTS:
            if declared_input.model is candidate:
                for name in declared_input.fields:
                    field = candidate._meta.get_field(name)
                    names |= {field.name, field.attname}
    return names


def root_name(node) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def unmarked_write(node, models_by_name) -> str | None:
    """What `node` writes past the signals, if it is such a write of a rule input."""
    tables = {m._meta.db_table: name for name, m in models_by_name.items()}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if SQL_WRITE.search(node.value) and any(t in node.value for t in tables):
            return "raw SQL on " + ", ".join(n for t, n in tables.items() if t in node.value)
        return None
    if isinstance(node, ast.Attribute) and node.attr == "db_table":
        owner = node.value
        if isinstance(owner, ast.Attribute) and owner.attr == "_meta":
            name = root_name(owner)
            return f"SQL on {name}._meta.db_table" if name in models_by_name else None
        return None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    method = node.func.attr
    if method == "write" and node.args and isinstance(node.args[0], ast.Name):
        name = node.args[0].id  # consents.bulk.BulkWriter.write(Model, columns, rows)
        return f"COPY into {name}" if name in models_by_name else None
    name = root_name(node.func.value)
    if method not in BULK | {"delete"} or name not in models_by_name:
        return None
    model = models_by_name[name]
    if method == "delete":
        return None if rule_input(model).deletes_signalled else f"{name} ... .delete()"
    if method == "update" and node.args:
        return None  # a dict's or a set's update, not a queryset's
    written = {k.arg for k in node.keywords}
    if method == "update" and None not in written and not written & declared_names(model):
        return None  # no declared field is written
    return f"{name} ... .{method}()"


def unmarked_writes(source: str, where_from: str, models_by_name) -> list[str]:
    tree = ast.parse(source, filename=where_from)
    found = []

    def visit(node, marked: bool, where: str):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            calls = {
                n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
                for n in ast.walk(node)
                if isinstance(n, ast.Call)
            }
            marked, where = marked or MARKER in calls, node.name
        what = unmarked_write(node, models_by_name)
        if what and not marked:
            found.append(f"{where_from}:{node.lineno} ({where}): {what}")
        for child in ast.iter_child_nodes(node):
            visit(child, marked, where)

    visit(tree, False, "module")
    return found


def application_sources():
    for package in ("consents", "benchmarks", "accounts"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_every_write_past_the_signals_marks_the_verdicts_stale():
    models_by_name = input_models()
    found = [
        write
        for path in application_sources()
        for write in unmarked_writes(path.read_text(), str(path.relative_to(ROOT)), models_by_name)
    ]
    assert not found, (
        "these write a rule input past the models' signals; call "
        "consents.stored.verdicts_mark_stale in the same function:\n" + "\n".join(found)
    )


def test_the_write_finder_finds_what_it_must():
    """The check above is only as good as its finder: each kind of write is found."""
    models_by_name = input_models()
    source = """
def a():
    Student.objects.filter(pk=1).update(date_of_birth=None)
def b():
    Guardianship.objects.bulk_create([])
def c(cursor):
    cursor.execute("UPDATE consents_student SET date_of_birth = NULL")
def d(writer):
    writer.write(Purpose, ["active"], [])
def e():
    ConsentStatus.objects.all().delete()
def f():
    Subject.objects.update(date_left=None)  # not an input
    Guardianship.objects.filter(pk=1).delete()  # its signals mark
def g():
    Board.objects.update(at_sixteen="keep")
    verdicts_mark_stale(everyone=True)
"""
    found = unmarked_writes(source, "sample.py", models_by_name)
    assert [line.split("(")[1].split(")")[0] for line in found] == ["a", "b", "c", "d", "e"]
