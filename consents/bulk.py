"""Many rows: appending them fast (COPY on PostgreSQL, batched executemany elsewhere), and
walking a large queryset in chunks of ids."""

from collections.abc import Iterable

from django.db import connection


class BulkWriter:
    """Appends rows to a model's table: COPY on PostgreSQL, batched executemany elsewhere."""

    def __init__(self, batch_size: int = 5000):
        self.batch_size = batch_size
        self.postgresql = connection.vendor == "postgresql"

    def write(self, model, field_names: list[str], rows: Iterable[tuple]) -> int:
        fields = [model._meta.get_field(name) for name in field_names]
        for model_field in fields:
            # A check of the caller's field list.
            assert model_field in model._meta.local_concrete_fields, model_field  # nosec B101
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        count = 0
        with connection.cursor() as cursor:
            if self.postgresql:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
                return count
            # Table and column names come from the model's meta, values are parameters; an
            # f-string would make bandit warn about its own nosec once per part.
            placeholders = ", ".join(["%s"] * len(fields))
            sql = "INSERT INTO {} ({}) VALUES ({})".format(table, columns, placeholders)  # noqa: UP032  # nosec B608
            batch = []
            for row in rows:
                batch.append(
                    [
                        f.get_db_prep_save(value, connection)
                        for f, value in zip(fields, row, strict=True)
                    ]
                )
                if len(batch) >= self.batch_size:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            cursor.executemany(sql, batch)
            return count + len(batch)


def keyset_chunks(queryset, size: int):
    """The ids of `queryset` in ascending chunks of `size`: bounded memory on any table size."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]
