with

source as (

    select * from {{ source('pinterest', 'user') }} as landed
    where {{ landed_since_last_run('landed._landed_file') }}

),

markers as (

    select collect_set(marker) as marker_values
    from {{ ref('missing_value_markers') }}

),

renamed as (

    select
        try_cast(source.ind as int) as ind,
        -- concat_ws skips NULL parts; both missing leaves '' and then NULL.
        nullif(
            concat_ws(' ', {{ clean_text('source.first_name') }}, {{ clean_text('source.last_name') }}),
            ''
        ) as user_name,
        try_cast(source.age as int) as age,
        {{ parse_timestamp(clean_text('source.date_joined')) }} as date_joined,
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
        user_name,
        age,
        date_joined,
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
