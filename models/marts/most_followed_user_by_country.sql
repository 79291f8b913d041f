with

posts as (

    select * from {{ ref('int_pinterest__posts_enriched') }}

),

posters as (

    select distinct
        country,
        poster_name,
        follower_count
    from posts
    where country is not null and poster_name is not null and follower_count is not null

),

ranked as (

    select
        *,
        rank() over (partition by country order by follower_count desc) as follower_rank
    from posters

)

select
    country,
    poster_name,
    follower_count
from ranked
where follower_rank = 1
