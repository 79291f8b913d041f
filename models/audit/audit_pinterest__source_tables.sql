with

landed_objects as (

    select * from {{ ref('stg_pinterest__landed_objects') }}

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

staged as (

    select
        'pin' as source_table,
        count(*) as staged_rows
    from pins
    union all
    select
        'geo' as source_table,
        count(*) as staged_rows
    from geolocations
    union all
    select
        'user' as source_table,
        count(*) as staged_rows
    from users

),

counted as (

    select
        staged.source_table,
        staged.staged_rows,
        coalesce(landed.landed_objects, 0) as landed_objects,
        coalesce(landed.raw_lines, 0) as raw_lines,
        coalesce(landed.malformed_lines, 0) as malformed_lines,
        coalesce(landed.keyless_lines, 0) as keyless_lines,
        coalesce(landed.marker_values, 0) as marker_values
    from staged
    left join landed on staged.source_table = landed.source_table

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
