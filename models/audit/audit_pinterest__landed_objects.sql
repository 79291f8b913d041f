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

objects as (

    select
        source_table,
        _partition,
        _landed_file,
        _landed_offset,
        count(*) as landed_lines,
        count_if(is_malformed) as malformed_lines,
        count_if(is_keyless) as keyless_lines,
        flatten(collect_list(markers_found)) as markers_found
    from lines
    group by source_table, _partition, _landed_file, _landed_offset

),

final as (

    select
        source_table,
        _partition,
        _landed_file,
        _landed_offset,
        landed_lines,
        malformed_lines,
        keyless_lines,
        cast(size(markers_found) as bigint) as marker_values,
        -- One pass over the lines: each marker found, with how often, sorted by marker.
        array_sort(transform(
            array_distinct(markers_found),
            found -> named_struct(
                'marker', found,
                'nulled_values', cast(size(filter(markers_found, other -> other = found)) as bigint)
            )
        )) as marker_counts,
        {{ staged_at() }} as _staged_at
    from objects

)

select * from final
