{#-
    The `pinterest` source over the raw landing. For each source table <name> there are, in
    the source's schema:
    - <name>_files: an external JSON table over every `.json` object under
      <raw_root>/<topic_prefix>.<name>/, with the explicit schema of the source's columns (no
      inference) and malformed lines kept whole in `_corrupt_record`;
    - <name>: a view adding `_landed_file`, the object each line came from, and `partition`,
      the Kafka partition its name carries.
    Dropping an external table never deletes the landed data, so re-creating is safe.

    `dbt build` needs no separate step: its on-run-start hook `refresh_external_sources`
    creates what is missing and makes Spark list the landing again, so new objects are read.
    `dbt run-operation stage_external_sources` re-creates all of it (after a schema change).
-#}
{% macro stage_external_sources() %}
    {%- for source_node in pinterest_sources() -%}
        {{ log('staging source ' ~ source_node.name ~ ' over ' ~ landing_location(source_node), info=true) }}
        {%- for statement in external_source_statements(source_node, landing_location(source_node)) -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}


{#- on-run-start: create the source tables that are missing, refresh the others' listing of
    the landing (Spark caches it per table). Cheap: nothing is read until a model reads it. -#}
{% macro refresh_external_sources() %}
    {%- if execute -%}
        {%- for source_node in pinterest_sources() -%}
            {%- set view = adapter.get_relation(
                database=source_node.database, schema=source_node.schema, identifier=source_node.name
            ) -%}
            {%- if view is none -%}
                {%- for statement in external_source_statements(source_node, landing_location(source_node)) -%}
                    {%- do run_query(statement) -%}
                {%- endfor -%}
            {%- else -%}
                {%- do run_query('refresh table ' ~ source_node.schema ~ '.' ~ source_node.name ~ '_files') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}


{% macro pinterest_sources() %}
    {{ return(graph.sources.values() | selectattr('source_name', 'equalto', 'pinterest') | list) }}
{% endmacro %}


{% macro landing_location(source_node) %}
    {{ return(var('raw_root') ~ '/' ~ var('topic_prefix') ~ '.' ~ source_node.meta.topic_suffix ~ '/') }}
{% endmacro %}


{#- The JSON schema of a source table's objects: its columns but those its view adds, the
    corrupt-record column included (last, as a string). -#}
{% macro landing_json_columns(source_node) %}
    {%- set options = source_node.meta.json_options -%}
    {%- set corrupt = options.columnNameOfCorruptRecord -%}
    {%- set skipped = source_node.meta.added_by_landing + [corrupt] -%}
    {%- set columns = [] -%}
    {%- for column in source_node.columns.values() if column.name not in skipped -%}
        {%- do columns.append('`' ~ column.name ~ '` ' ~ column.data_type) -%}
    {%- endfor -%}
    {%- do columns.append('`' ~ corrupt ~ '` string') -%}
    {{ return(columns) }}
{% endmacro %}


{% macro external_source_statements(source_node, location) %}
    {{ return(adapter.dispatch('external_source_statements')(source_node, location)) }}
{% endmacro %}


{% macro default__external_source_statements(source_node, location) %}
    {%- set schema = source_node.schema -%}
    {%- set files_table = schema ~ '.' ~ source_node.name ~ '_files' -%}
    {%- set view = schema ~ '.' ~ source_node.name -%}
    {#- Every object under the topic's folder, `partition=<p>/` folders included, rather than a
        table partitioned by them: an empty or missing landing reads as no lines (a
        partitioned table's repair fails on it), and new partitions need no repair. -#}
    {%- set statements = [
        'create schema if not exists ' ~ schema,
        'drop view if exists ' ~ view,
        'drop table if exists ' ~ files_table,
        'create table ' ~ files_table ~ ' (' ~ landing_json_columns(source_node) | join(', ')
            ~ ') using json options (' ~ json_options_sql(source_node.meta.json_options)
            ~ ", recursiveFileLookup 'true', pathGlobFilter '*.json')"
            ~ " location '" ~ location ~ "'",
        'create view ' ~ view ~ ' as select *, ' ~ landed_file_columns('_metadata.file_path')
            ~ ' from ' ~ files_table,
    ] -%}
    {{ return(statements) }}
{% endmacro %}


{#- What the view over a source table's objects adds to each line: the object it came from and
    the Kafka partition its name carries. The streaming hot path adds them the same way. -#}
{% macro landed_file_columns(file_path) -%}
    {{ landed_partition(file_path) }} as `partition`, {{ file_path }} as _landed_file
{%- endmacro %}


{% macro json_options_sql(options) -%}
    {%- set pairs = [] -%}
    {%- for key, value in options.items() -%}
        {%- do pairs.append(key ~ " '" ~ value ~ "'") -%}
    {%- endfor -%}
    {{ return(pairs | join(', ')) }}
{%- endmacro %}
