with

landed_objects as (

    select * from {{ ref('audit_pinterest__landed_objects') }}

),

seeded_markers as (

    select * from {{ ref('missing_value_markers') }}

),

source_tables as (

    select 'pin' as source_table
    union all
    select 'geo' as source_table
    union all
    select 'user' as source_table

),

object_counts as (

    select
        source_table,
        explode(marker_counts) as marker_count
    from landed_objects

),

counted as (

    select
        object_counts.source_table,
        object_counts.marker_count.marker,
        sum(object_counts.marker_count.nulled_values) as marker_values
    from object_counts
    group by object_counts.source_table, object_counts.marker_count.marker

),

-- Every marker of the seed, and any counted while the seed still held it.
markers as (

    select marker from seeded_markers
    union
    select marker from counted

),

final as (

    select
        source_tables.source_table,
        markers.marker,
        coalesce(counted.marker_values, 0) as marker_values
    from source_tables
    cross join markers
    left join counted
        on
            source_tables.source_table = counted.source_table
            and markers.marker = counted.marker

)

select * from final
