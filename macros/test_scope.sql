{#- Which rows a data test of an incremental model checks: the rows staged since the test last
    passed, so that a test costs what is new rather than the whole table, and still checks
    every row once. A test's `where` config may name a scope:

    - `__unchecked__`: the rows staged since this test last passed, up to this run (a first
      build, or a test that has never passed: the whole table). A failing test advances
      nothing, so the next run checks its rows again: a failure is not forgotten.
    - `__unchecked_settled__`: the same, for a rule between tables that a row landed out of
      order breaks for a while (a geolocation staged a run before its pin). A build run with
      `--vars '{continuous: true}'` (the orchestrator's, while rows still arrive) leaves out the
      rows it staged itself: the next build checks them, and the build after a continuous run
      stops (without the var) checks the last ones. Without the var, as `__unchecked__`.

    Where each test got to is kept in a table of the audit schema (`test_watermarks`): the
    on-run-end hook records it for every such test that passed or warned. The bounds are
    literals, so Delta skips every file of rows checked before. Overrides dbt's
    `get_where_subquery`; any other `where` is applied as dbt applies it. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where in unchecked_scopes() -%}
        {%- set where = unchecked_rows_condition(where) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}


{% macro unchecked_scopes() -%}
    {{ return(['__unchecked__', '__unchecked_settled__']) }}
{%- endmacro %}


{#- The last `_staged_at` a test of `scope` checks in this run: this run's, or, for a settled
    scope in a continuous run, the instant before it. -#}
{% macro checked_through(scope) -%}
    {%- if scope == '__unchecked_settled__' and var('continuous', false) -%}
        {{ return(run_started_at - modules.datetime.timedelta(microseconds=1)) }}
    {%- endif -%}
    {{ return(run_started_at) }}
{%- endmacro %}


{% macro timestamp_literal(value) -%}
    timestamp'{{ value.strftime("%Y-%m-%d %H:%M:%S.%f") }}'
{%- endmacro %}


{% macro unchecked_rows_condition(scope) -%}
    {%- set upper = '_staged_at <= ' ~ timestamp_literal(checked_through(scope)) -%}
    {%- set last = none -%}
    {%- if execute and flags.WHICH in ('build', 'test', 'retry') -%}
        {#- The test's own id: `model` is the test node here. -#}
        {%- set found = run_query(
            'select max(checked_through) from ' ~ test_watermarks()
            ~ " where test_id = '" ~ model.unique_id ~ "'"
        ) -%}
        {%- set last = found.rows[0][0] if found.rows else none -%}
    {%- endif -%}
    {%- if last is none -%}
        {{ return(upper) }}
    {%- endif -%}
    {{ return('_staged_at > ' ~ timestamp_literal(last) ~ ' and ' ~ upper) }}
{%- endmacro %}


{% macro test_watermarks() -%}
    {{ return(api.Relation.create(schema=generate_schema_name('audit', none) | trim, identifier='test_watermarks')) }}
{%- endmacro %}


{#- on-run-start: the watermarks' table, so that every test of the run can read it. -#}
{% macro create_test_watermarks() -%}
    {%- if execute -%}
        {%- do run_query('create schema if not exists ' ~ test_watermarks().schema) -%}
        {%- do run_query(
            'create table if not exists ' ~ test_watermarks()
            ~ ' (test_id string, checked_through timestamp) using delta'
        ) -%}
    {%- endif -%}
{%- endmacro %}


{#- on-run-end: every scoped test that passed (or only warned) has checked its rows up to
    this run's bound; one MERGE for all of them. -#}
{% macro record_test_watermarks(results) -%}
    {%- set checked = [] -%}
    {%- if execute -%}
        {%- for result in results
            if result.node.resource_type == 'test'
            and result.status in ('pass', 'warn')
            and result.node.config.where in unchecked_scopes() -%}
            {%- do checked.append(
                "('" ~ result.node.unique_id ~ "', "
                ~ timestamp_literal(checked_through(result.node.config.where)) ~ ")"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if checked -%}
        {%- do run_query(
            'merge into ' ~ test_watermarks() ~ ' as held using (select * from values '
            ~ checked | join(', ') ~ ' as checked(test_id, checked_through)) as checked'
            ~ ' on held.test_id = checked.test_id'
            ~ ' when matched then update set held.checked_through = checked.checked_through'
            ~ ' when not matched then insert (test_id, checked_through)'
            ~ ' values (checked.test_id, checked.checked_through)'
        ) -%}
    {%- endif -%}
{%- endmacro %}
