"""The SQL that differs between the databases a store may run on; the rest is shared."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str
    # an auto-numbered integer primary key column (event and delivery ids)
    serial_key: str
    # the driver's parameter placeholder (DB-API paramstyle `qmark` or `format`)
    mark: str
    # starts a transaction that holds other writers off until it ends
    begin_write: str
    # returns a row when the table named by its one parameter exists
    table_exists: str
    # `_migrations` rows in the order they were recorded
    applied_order: str

    # a top-level key's value in a JSON text column: a string as itself, a mapping as JSON text
    json_key: str

    def json_value(self, column: str, key: str) -> str:
        """The SQL of `column`'s value at `key` (a constant: it is written into the SQL)."""
        if not key.isidentifier():
            raise ValueError(f"not a plain key: {key!r}")
        return self.json_key.format(column=column, key=key)

    def params(self, count: int) -> str:
        """`count` placeholders, comma-separated: `?, ?, ?`."""
        return ", ".join([self.mark] * count)


SQLITE = Dialect(
    name="sqlite",
    serial_key="INTEGER PRIMARY KEY AUTOINCREMENT",
    mark="?",
    begin_write="BEGIN IMMEDIATE",
    table_exists="SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
    applied_order="applied_at, rowid",
    json_key="json_extract({column}, '$.{key}')",
)

# the PostgreSQL backend (`pip install incidentctl[postgres]`, store/postgres.py)
POSTGRESQL = Dialect(
    name="postgresql",
    serial_key="BIGSERIAL PRIMARY KEY",
    mark="%s",
    begin_write="BEGIN ISOLATION LEVEL SERIALIZABLE",
    # in the schema the connection uses (`search_path`), not in any other of the database
    table_exists=(
        "SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = %s"
    ),
    applied_order="applied_at, name",
    json_key="({column}::json ->> '{key}')",
)
