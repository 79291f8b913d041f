"""The counts of one source table at every stage, and what they say about loss."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TableLedger:
    """Counts for one source table; None where a stage was not counted."""

    table: str
    topic: str
    # Rows of the source table.
    mysql_rows: int | None = None
    # Records in the topic (end offset minus start offset, summed over partitions).
    kafka_records: int | None = None
    # Of those, the records before the sink group's committed offsets: what the sink has
    # taken responsibility for, landed or dead-lettered.
    sink_committed: int | None = None
    # Lines in the sink's objects under <topics dir>/<topic>/.
    s3_records: int | None = None
    s3_objects: int | None = None
    # Objects under the topic's folder that the sink did not write (not in its layout).
    s3_foreign_objects: int | None = None
    # Dead-letter records whose origin is this topic.
    dlq_records: int | None = None
    # As dbt's audit counted them (models/audit/): the lines of the sink's objects, those
    # staging drops as malformed or keyless, those it folds into a later line of the same key,
    # and the rows of the staging model (one per key).
    raw_lines: int | None = None
    dropped_lines: int | None = None
    duplicates_removed: int | None = None
    staging_rows: int | None = None

    @property
    def kafka_pending(self) -> int | None:
        """Records in Kafka that the sink has not reached yet."""
        if self.kafka_records is None or self.sink_committed is None:
            return None
        return self.kafka_records - self.sink_committed

    def problems(self) -> list[str]:
        """Each shortfall between stages, as a sentence saying where and what to do."""
        found: list[str] = []
        name, topic = self.table, self.topic
        mysql, kafka, committed = self.mysql_rows, self.kafka_records, self.sink_committed
        if mysql is not None and kafka is not None and kafka < mysql:
            found.append(
                f"{name}: {mysql - kafka:,} of {mysql:,} rows are not in Kafka topic {topic}: "
                "run the emulator (with --resume after a stop)"
            )
        landed, dead = self.s3_records, self.dlq_records
        if committed is not None and landed is not None and dead is not None:
            if landed + dead < committed:
                found.append(
                    f"{name}: LOST {committed - landed - dead:,} records of {topic} that the "
                    "sink committed but neither landed in S3 nor dead-lettered"
                )
            elif landed + dead > committed:
                found.append(
                    f"{name}: {landed + dead - committed:,} more records of {topic} landed or "
                    "dead-lettered than the sink committed: duplicates, or objects left from "
                    "an earlier topic of the same name"
                )
        pending = self.kafka_pending
        if pending:
            found.append(
                f"{name}: {pending:,} records of {topic} are not landed yet: run the sink "
                "(python -m ingestion.sink --until-idle 5)"
            )
        raw = self.raw_lines
        if raw is not None and landed is not None and raw < landed:
            found.append(
                f"{name}: S3 holds {landed:,} lines of {topic} but dbt's audit counts {raw:,}: "
                "run `dbt build`, which reads what landed since it last ran"
            )
        staged = self.staging_rows
        if staged is not None and mysql is not None and staged < mysql - (dead or 0):
            found.append(
                f"{name}: staging has {staged:,} rows, {mysql - (dead or 0) - staged:,} fewer "
                "than the source rows not dead-lettered: land what is pending, then run "
                "`dbt build`"
            )
        return found
