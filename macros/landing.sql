{#- The sink's objects and what staging reads of them.

    The sink (and Confluent's S3 sink) names each object
    `<topics_dir>/<topic>/partition=<p>/<topic>+<p>+<offset>.json`, the offset being its first
    record's. Within a partition the offsets only grow, so the last offset staged from each
    partition says which objects are new. Objects under the landing with other names are not
    the sink's: staging never reads them (`python -m warehouse.reconcile` reports them). -#}

{#- A number from the object's name: group 1 is the partition, 2 the start offset; NULL for an
    object the sink did not name. -#}
{% macro landed_name_part(file_path, group) -%}
    try_cast(regexp_extract({{ file_path }}, '[+]([0-9]+)[+]([0-9]+)[.]json$', {{ group }}) as bigint)
{%- endmacro %}


{% macro landed_partition(file_path) -%}
    try_cast({{ landed_name_part(file_path, 1) }} as int)
{%- endmacro %}


{#- The Kafka offset of the first record of the object a line landed in: with the line's
    position it orders duplicates, and it bounds what an incremental run reads. -#}
{% macro landed_offset(file_path) -%}
    {{ landed_name_part(file_path, 2) }}
{%- endmacro %}


{#- The landing columns every staging model derives the same way. -#}
{% macro landing_metadata(source='source') -%}
    {{ source }}._corrupt_record,
        {{ source }}.`partition` as _partition,
        {{ source }}._landed_file,
        {{ landed_offset(source ~ '._landed_file') }} as _landed_offset,
        monotonically_increasing_id() as _landed_order
{%- endmacro %}


{#- Rank of a landed line among the lines of the same key, 1 for the latest landed: the
    highest object start offset, then the last line in the object. Duplicates come from
    at-least-once delivery and from the random emulator resending a post. -#}
{% macro latest_landed_rank(key='ind') -%}
    row_number() over (partition by {{ key }} order by _landed_offset desc, _landed_order desc)
{%- endmacro %}


{#- When a row was last written: the start of the dbt run that wrote it, the same for every
    model of one `dbt build`. Incremental models downstream find what changed by it, and the
    tests of an incremental model the rows they have not checked yet (macros/test_scope.sql). -#}
{% macro staged_at() -%}
    {%- if hot_path_batch() -%}
        current_timestamp()
    {%- else -%}
        {{ timestamp_literal(run_started_at) }}
    {%- endif -%}
{%- endmacro %}


{#- The objects a run reads: on a full refresh every object the sink wrote; on an incremental
    run only those past the last one the model already holds from each partition.

    A predicate on the object's name alone, with the last offsets inlined as literals, so that
    Spark (and Databricks) drop the other objects after listing them, without opening one: a
    bound read from a subquery is not pushed down to the files (measured: every object read).
    `holds` restricts the model's own rows when it stages several sources. -#}
{% macro landed_since_last_run(file_path, holds='true') -%}
    {%- set offset = landed_offset(file_path) -%}
    {%- if hot_path_batch() or not is_incremental() -%}
        {{ offset }} is not null
    {%- else -%}
        {{ offset }} > {{ last_offset_held(file_path, holds) }}
    {%- endif -%}
{%- endmacro %}


{#- The last offset the model holds from the partition of the object at `file_path` (-1 for
    none): literals from a query before the run; in a unit test, which has no table to query
    then, the same as a subquery. -#}
{% macro last_offset_held(file_path, holds) -%}
    {%- if model.resource_type == 'unit_test' -%}
        coalesce((
            select max(staged._landed_offset) from {{ this }} as staged
            where {{ holds }} and staged._partition = {{ landed_partition(file_path) }}
        ), -1)
    {%- else -%}
        {%- set last_offsets = [] -%}
        {%- if execute -%}
            {%- set held = run_query(
                'select _partition, max(_landed_offset) from ' ~ this
                ~ ' where ' ~ holds ~ ' group by _partition'
            ) -%}
            {%- for partition, last in held.rows if partition is not none -%}
                {%- do last_offsets.append('when ' ~ (partition | int) ~ ' then ' ~ (last | int)) -%}
            {%- endfor -%}
        {%- endif -%}
        {%- if last_offsets -%}
            case {{ landed_partition(file_path) }} {{ last_offsets | join(' ') }} else -1 end
        {%- else -%}
            -1
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- The rows of `relation` (deduplicated new lines, keyed by `key`) that may replace what the
    model holds: on an incremental run a key's row is replaced only by a line landed at the
    same or a later object offset, so the latest landed line wins across runs as it does in
    one (a key written to two partitions keeps the full refresh's answer). -#}
{% macro newer_than_held(relation, key='ind') -%}
    select {{ relation }}.*
    from {{ relation }}
    {%- if is_incremental() %}
    left join {{ this }} as held on {{ relation }}.{{ key }} = held.{{ key }}
    where held.{{ key }} is null or {{ relation }}._landed_offset >= held._landed_offset
    {%- endif %}
{%- endmacro %}


{#- The lines of a source table's objects that this run reads, flagged as staging would drop
    them: malformed, or without a key (`key_column`, which must be an int), with their text
    values that are missing-value markers (`markers_found`, trimmed; staging makes them NULL).
    For the audit of the landing (audit_pinterest__landed_objects), which holds every source
    table; `markers` is the model's relation holding the markers as one array,
    `marker_values`. -#}
{% macro landed_lines(table, key_column, markers='markers') -%}
    select
        '{{ table }}' as source_table,
        landed.partition as _partition,
        landed._landed_file,
        {{ landed_offset('landed._landed_file') }} as _landed_offset,
        landed._corrupt_record is not null as is_malformed,
        landed._corrupt_record is null and try_cast(landed.`{{ key_column }}` as int) is null
            as is_keyless,
        filter(
            array(
                {%- for column in text_columns_of(table) %}
                {{ trim_whitespace('landed.`' ~ column ~ '`') }}{{ ',' if not loop.last }}
                {%- endfor %}
            ),
            trimmed -> {{ is_missing_value_marker('trimmed', markers ~ '.marker_values') }}
        ) as markers_found
    from {{ source('pinterest', table) }} as landed
    cross join {{ markers }}
    where {{ landed_since_last_run('landed._landed_file', "source_table = '" ~ table ~ "'") }}
{%- endmacro %}


{#- Each raw source table's text columns, as its YAML declares them: those that carry the
    source row's values (not the landing's `_...` columns or the partition). A unit test's
    graph holds no sources: a unit test of a model that calls this overrides it. -#}
{% macro source_text_columns() -%}
    {%- set columns = {} -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() if node.source_name == 'pinterest' -%}
            {%- do columns.update({node.name: []}) -%}
            {%- for column in node.columns.values()
                if (column.data_type or '') | lower == 'string' and not column.name.startswith('_') -%}
                {%- do columns[node.name].append(column.name) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}


{#- One source table's text columns: none declared is an error, not a silent count of 0. -#}
{% macro text_columns_of(table) -%}
    {%- set columns = source_text_columns().get(table, []) -%}
    {%- if execute and not columns -%}
        {{ exceptions.raise_compiler_error(
            "source pinterest." ~ table ~ " declares no text column (data_type: string) in "
            ~ "models/staging/_pinterest__sources.yml: its marker values cannot be counted"
        ) }}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}
