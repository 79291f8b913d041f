{#- Which rows a data test of an incremental model checks, so that a test costs what the run
    wrote rather than the whole table. A test's `where` config may name a scope:

    - `__staged_this_run__`: the rows this run wrote (`_staged_at` is the run's start). Every
      other row passed the same test in the run that wrote it; on a full refresh every row is
      this run's.
    - `__staged_last_run__`: the rows the previous run wrote, each checked once, a run after it
      was staged. For rules between tables that a row landed out of order may break for a while
      (a geolocation staged a run before its pin). On a full refresh: every row.

    The bounds are literals, so Delta skips every file written by other runs. Overrides dbt's
    `get_where_subquery`; any other `where` is applied as dbt applies it. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where == '__staged_this_run__' -%}
        {%- set where = '_staged_at = ' ~ staged_at() -%}
    {%- elif where == '__staged_last_run__' -%}
        {%- set where = staged_last_run_condition(relation) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}


{% macro staged_last_run_condition(relation) -%}
    {%- if flags.FULL_REFRESH -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set last = none -%}
    {%- if execute -%}
        {%- set found = run_query(
            'select max(_staged_at) from ' ~ relation ~ ' where _staged_at < ' ~ staged_at()
        ) -%}
        {%- set last = found.rows[0][0] if found.rows else none -%}
    {%- endif -%}
    {%- if last is none -%}
        {{ return('false') }}
    {%- endif -%}
    {{ return("_staged_at = timestamp'" ~ last.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "'") }}
{%- endmacro %}
