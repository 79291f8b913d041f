with

pins as (

    select * from {{ ref('stg_pinterest__pins') }}

),

geolocations as (

    select * from {{ ref('stg_pinterest__geolocations') }}

),

users as (

    select * from {{ ref('stg_pinterest__users') }}

),

joined as (

    select
        pins.ind,
        pins.category,
        pins.poster_name,
        pins.follower_count,
        geolocations.country,
        geolocations.timestamp as posted_at,
        year(geolocations.timestamp) as post_year,
        users.user_name,
        users.age,
        {{ age_group('users.age') }} as age_group,
        users.date_joined,
        year(users.date_joined) as join_year
    from pins
    inner join geolocations on pins.ind = geolocations.ind
    inner join users on pins.ind = users.ind

)

select * from joined
