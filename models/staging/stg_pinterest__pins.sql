-- The relationships test of `category` reads this seed: build it first.
-- depends_on: {{ ref('categories') }}

with

source as (

    select * from {{ source('pinterest', 'pin') }} as landed
    where {{ landed_since_last_run('landed._landed_file') }}

),

markers as (

    select collect_set(marker) as marker_values
    from {{ ref('missing_value_markers') }}

),

renamed as (

    select
        try_cast(source.index as int) as ind,
        {{ clean_text('source.unique_id') }} as unique_id,
        {{ clean_text('source.title') }} as title,
        {{ clean_text('source.description') }} as description,
        {{ parse_follower_count(clean_text('source.follower_count')) }} as follower_count,
        {{ clean_text('source.poster_name') }} as poster_name,
        {{ clean_text('source.tag_list') }} as tag_list,
        case {{ clean_text('source.is_image_or_video') }}
            when 'image' then 'image'
            when 'video' then 'video'
            when 'multi-video(story page format)' then 'video'
        end as is_image_or_video,
        {{ clean_text('source.image_src') }} as image_src,
        {{ clean_text(save_location_path('source.save_location')) }} as save_location,
        {{ clean_text('source.category') }} as category,
        try_cast(source.downloaded as int) as downloaded,
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
        unique_id,
        title,
        description,
        follower_count,
        poster_name,
        tag_list,
        is_image_or_video,
        image_src,
        save_location,
        category,
        downloaded,
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
