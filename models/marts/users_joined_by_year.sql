with

posts as (

    select * from {{ ref('int_pinterest__posts_enriched') }}

),

users as (

    -- A user is one (user_name, age, date_joined): the same user on many posts counts once.
    select distinct
        user_name,
        age,
        date_joined,
        join_year
    from posts
    where
        user_name is not null
        and age is not null
        and date_joined is not null
        and join_year between {{ var('join_year_start') }} and {{ var('join_year_end') }}

)

select
    join_year,
    count(*) as number_users_joined
from users
group by join_year
