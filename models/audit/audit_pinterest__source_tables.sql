with

landed_objects as (

    select * from {{ ref('audit_pinterest__landed_objects') }}

),

pins as (

    select * from {{ ref('stg_pinterest__pins') }}

),

geolocations as (

    select * from {{ ref('stg_pinterest__geolocations') }}

),

users as (

    select * from {{ ref('stg_pinterest__users') }}

),

source_tables as (

    select 'pin' as source_table
    union all
    select 'geo' as source_table
    union all
    select 'user' as source_table

),

landed as (

    select
        source_table,
        count(*) as landed_objects,
        sum(landed_lines) as raw_lines,
        sum(malformed_lines) as malformed_lines,
        sum(keyless_lines) as keyless_lines,
        sum(marker_values) as marker_values
    from landed_objects
    group by source_table

),

-- The last object counted in each partition: staged rows are counted up to it, so that the
-- figures add up even when objects landed while a build ran (each model lists the landing
-- when it reads it, and staging may have read an object the landed-objects model had not).
counted_offsets as (

    select
        source_table,
        _partition,
        max(_landed_offset) as last_offset
    from landed_objects
    group by source_table, _partition

),

staged_lines as (

    select
        'pin' as source_table,
        _partition,
        _landed_offset
    from pins
    union all
    select
        'geo' as source_table,
        _partition,
        _landed_offset
    from geolocations
    union all
    select
        'user' as source_table,
        _partition,
        _landed_offset
    from users

),

staged as (

    select
        staged_lines.source_table,
        count(*) as staged_rows
    from staged_lines
    inner join counted_offsets
        on
            staged_lines.source_table = counted_offsets.source_table
            and staged_lines._partition = counted_offsets._partition
            and staged_lines._landed_offset <= counted_offsets.last_offset
    group by staged_lines.source_table

),

counted as (

    select
        source_tables.source_table,
        coalesce(landed.landed_objects, 0) as landed_objects,
        coalesce(landed.raw_lines, 0) as raw_lines,
        coalesce(landed.malformed_lines, 0) as malformed_lines,
        coalesce(landed.keyless_lines, 0) as keyless_lines,
        coalesce(landed.marker_values, 0) as marker_values,
        coalesce(staged.staged_rows, 0) as staged_rows
    from source_tables
    left join landed on source_tables.source_table = landed.source_table
    left join staged on source_tables.source_table = staged.source_table

),

final as (

    select
        source_table,
        landed_objects,
        raw_lines,
        malformed_lines,
        keyless_lines,
        marker_values,
        staged_rows,
        malformed_lines + keyless_lines as dropped_lines,
        raw_lines - malformed_lines - keyless_lines - staged_rows as duplicates_folded
    from counted

)

select * from final
