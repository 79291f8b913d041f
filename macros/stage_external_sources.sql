{#-
    Create or refresh the `pinterest` source over the raw landing:
        dbt run-operation stage_external_sources

    For each source table <name> it (re)creates, in var('raw_schema'):
    - <name>_files: an external JSON table over <raw_root>/<topic_prefix>.<name>/ with the
      explicit schema of the source's columns (no inference), the `partition=<p>` folders as the
      partition column, and malformed lines kept whole in `_corrupt_record`;
    - <name>: a view adding `_landed_file`, the object each line came from.
    Dropping an external table never deletes the landed data, so re-running is safe.
-#}
{% macro stage_external_sources() %}
    {%- set sources = graph.sources.values() | selectattr('source_name', 'equalto', 'pinterest') -%}
    {%- for source_node in sources -%}
        {%- set location = var('raw_root') ~ '/' ~ var('topic_prefix') ~ '.' ~ source_node.meta.topic_suffix ~ '/' -%}
        {{ log('staging source ' ~ source_node.name ~ ' over ' ~ location, info=true) }}
        {%- for statement in external_source_statements(source_node, location) -%}
            {%- do run_query(statement) -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}


{#- Columns that the landing adds to the JSON fields: not part of the JSON schema. -#}
{% macro landing_columns() %}
    {{ return(['_corrupt_record', 'partition', '_landed_file']) }}
{% endmacro %}


{% macro external_source_statements(source_node, location) %}
    {{ return(adapter.dispatch('external_source_statements')(source_node, location)) }}
{% endmacro %}


{% macro default__external_source_statements(source_node, location) %}
    {%- set schema = source_node.schema -%}
    {%- set files_table = schema ~ '.' ~ source_node.name ~ '_files' -%}
    {%- set view = schema ~ '.' ~ source_node.name -%}
    {%- set json_columns = [] -%}
    {%- for column in source_node.columns.values() if column.name not in landing_columns() -%}
        {%- do json_columns.append('`' ~ column.name ~ '` ' ~ column.data_type) -%}
    {%- endfor -%}
    {%- set statements = [
        'create schema if not exists ' ~ schema,
        'drop view if exists ' ~ view,
        'drop table if exists ' ~ files_table,
        'create table ' ~ files_table ~ ' (' ~ json_columns | join(', ')
            ~ ', _corrupt_record string, `partition` int)'
            ~ " using json options (mode 'PERMISSIVE', columnNameOfCorruptRecord '_corrupt_record')"
            ~ ' partitioned by (`partition`)'
            ~ " location '" ~ location ~ "'",
        'msck repair table ' ~ files_table,
        'create view ' ~ view ~ ' as select *, _metadata.file_path as _landed_file from ' ~ files_table,
    ] -%}
    {{ return(statements) }}
{% endmacro %}
