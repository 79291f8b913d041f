with

most_followed as (

    select * from {{ ref('most_followed_user_by_country') }}

),

ranked as (

    select
        *,
        rank() over (order by follower_count desc) as follower_rank
    from most_followed

)

select
    country,
    poster_name,
    follower_count
from ranked
where follower_rank = 1
