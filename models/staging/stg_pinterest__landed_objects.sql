with

markers as (

    select collect_set(marker) as marker_values
    from {{ ref('missing_value_markers') }}

),

pin_lines as (

    {{ landed_lines('pin', 'index') }}

),

geo_lines as (

    {{ landed_lines('geo', 'ind') }}

),

user_lines as (

    {{ landed_lines('user', 'ind') }}

),

lines as (

    select * from pin_lines
    union all
    select * from geo_lines
    union all
    select * from user_lines

),

final as (

    select
        source_table,
        _partition,
        _landed_file,
        _landed_offset,
        count(*) as landed_lines,
        count_if(is_malformed) as malformed_lines,
        count_if(is_keyless) as keyless_lines,
        sum(marker_values) as marker_values,
        {{ staged_at() }} as _staged_at
    from lines
    group by source_table, _partition, _landed_file, _landed_offset

)

select * from final
