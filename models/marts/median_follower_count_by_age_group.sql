with

posts as (

    select * from {{ ref('int_pinterest__posts_enriched') }}

)

select
    age_group,
    {{ median('follower_count') }} as median_follower_count
from posts
where age_group is not null and follower_count is not null
group by age_group
