"""dbt's audit of the landing (`models/audit/`): what staging made of each source table's
landed lines. Reconcile and the report read its figures here as dbt counted them."""

from __future__ import annotations

from dataclasses import dataclass, fields

from pyhive import hive

from core.catalogue import AUDIT_MODEL
from core.errors import ConfigurationError


@dataclass(frozen=True)
class SourceAudit:
    """One source table's row of the audit (its YAML describes each figure)."""

    raw_lines: int
    dropped_lines: int
    marker_values: int
    duplicates_folded: int
    staged_rows: int


def read_audit(cursor: hive.Cursor, schema: str, hint: str) -> dict[str, SourceAudit]:
    """Topic suffix (`pin`, ...) -> its figures. schema must be a checked identifier; `hint`
    ends the error when the audit cannot be read."""
    relation = f"{schema}_audit.{AUDIT_MODEL}"
    columns = [field.name for field in fields(SourceAudit)]
    try:
        # Only identifiers vary: the checked schema and the catalogue's and this class's names.
        cursor.execute(
            "select source_table, " + ", ".join(columns) + " from " + relation  # noqa: S608
        )
        rows = cursor.fetchall()
    except hive.OperationalError:
        raise ConfigurationError(f"cannot read {relation}: {hint}") from None
    return {table: SourceAudit(*(int(figure) for figure in figures)) for table, *figures in rows}
