"""The three source tables, described once. Every module that names a table, its key column,
its topic or its staging model reads it here; dbt's side is `models/staging/_pinterest__sources.yml`
and the staging models, which `tests/test_dbt_project.py` holds to this catalogue."""

from __future__ import annotations

from dataclasses import dataclass

# Where the tables go, unless told otherwise: topics `<prefix>.<topic>`, and dbt's target
# schema (models in `<schema>_staging`, ...; profiles.example.yml's default too).
DEFAULT_TOPIC_PREFIX = "pinterest"
DEFAULT_SCHEMA = "pinterest"
# dbt's audit of the landing and staging, one row per source table (`<schema>_audit.<model>`).
AUDIT_MODEL = "audit_pinterest__source_tables"
# The landing's audit, one row per landed object: what staging has read of each partition.
LANDED_OBJECTS_MODEL = "audit_pinterest__landed_objects"
# Every post with its geolocation and user: the model the marts read.
ENRICHED_MODEL = "int_pinterest__posts_enriched"


@dataclass(frozen=True)
class SourceTable:
    name: str  # in the source database
    key: str  # the post's number: a post's three rows share it
    topic: str  # topic suffix (`<prefix>.<topic>`), also the name of its raw table in dbt
    staging_model: str

    @property
    def quoted_key(self) -> str:
        """The key column quoted for MySQL and Spark SQL alike (`index` is a reserved word)."""
        return f"`{self.key}`"


POSTS = SourceTable("pinterest_data", "index", "pin", "stg_pinterest__pins")
GEOLOCATIONS = SourceTable("geolocation_data", "ind", "geo", "stg_pinterest__geolocations")
USERS = SourceTable("user_data", "ind", "user", "stg_pinterest__users")
# In the order a post's rows are sent and reported.
SOURCE_TABLES = (POSTS, GEOLOCATIONS, USERS)

TABLE_NAMES = tuple(table.name for table in SOURCE_TABLES)
TABLE_TOPICS = {table.name: table.topic for table in SOURCE_TABLES}
TABLE_KEYS = {table.name: table.key for table in SOURCE_TABLES}
