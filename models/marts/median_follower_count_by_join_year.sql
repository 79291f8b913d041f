with

posts as (

    select * from {{ ref('int_pinterest__posts_enriched') }}

)

select
    join_year,
    {{ median('follower_count') }} as median_follower_count
from posts
where
    follower_count is not null
    and join_year between {{ var('join_year_start') }} and {{ var('join_year_end') }}
group by join_year
