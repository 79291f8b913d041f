{#- The streaming hot path's build of the models: the same SQL as a `dbt build`, compiled with
    the var `hot_path_batch` set to a prefix of the stream's own temporary views (streaming/).

    In a hot-path compile:
    - a `pinterest` source table reads the micro-batch's objects, the view
      `<hot_path_batch><table>` over them, with the landing columns its external view adds;
    - every model is compiled as an incremental run (is_incremental()), against the tables
      it merges into: the rules that compare with what a table holds apply as they do in
      `dbt build`;
    - `_staged_at` is when the micro-batch's statement ran, not when a dbt run started;
    - no query runs at compile time: the micro-batch holds only new objects, so there is no
      bound to look up.
    The stream merges each model's rows into its table on the model's `unique_key`, as the
    incremental materialisation does. Without the var, every macro here is dbt's own. -#}
{% macro hot_path_batch() -%}
    {{ return(var('hot_path_batch', '')) }}
{%- endmacro %}


{% macro source(source_name, table_name) -%}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {%- if hot_path_batch() and source_name == 'pinterest' -%}
        {{ return(
            '(select *, ' ~ landed_file_columns('_metadata.file_path')
            ~ ' from ' ~ hot_path_batch() ~ table_name ~ ')'
        ) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{% macro is_incremental() -%}
    {%- if hot_path_batch() -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{%- endmacro %}
