with

source as (

    select * from {{ source('pinterest', 'geo') }} as landed
    where {{ landed_since_last_run('landed._landed_file') }}

),

markers as (

    select collect_set(marker) as marker_values
    from {{ ref('missing_value_markers') }}

),

renamed as (

    select
        try_cast(source.ind as int) as ind,
        {{ clean_text('source.country') }} as country,
        array(source.latitude, source.longitude) as coordinates,
        -- `timestamp` is the staging contract's column name (Task 2).
        {{ parse_timestamp(clean_text('source.timestamp')) }} as timestamp,  -- noqa: RF04
        {{ landing_metadata() }}
    from source
    cross join markers

),

ranked as (

    select
        *,
        {{ latest_landed_rank() }} as _landed_rank
    from renamed
    where ind is not null and _corrupt_record is null

),

latest as (

    select
        ind,
        country,
        coordinates,
        timestamp,
        _partition,
        _landed_file,
        _landed_offset,
        {{ staged_at() }} as _staged_at
    from ranked
    where _landed_rank = 1

),

final as (

    {{ newer_than_held('latest') }}

)

select * from final
