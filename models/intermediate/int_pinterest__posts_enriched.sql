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

{% if is_incremental() %}
last_written as (

    -- When this model last wrote a row; while it holds none, every staged row is new.
    select coalesce(max(_staged_at), timestamp'1970-01-01 00:00:00') as staged_at
    from {{ this }}

),

-- Posts whose pin, geolocation or user row was staged since: a row that lands a run after
-- the others joins then.
changed as (

    {% for staged in ['pins', 'geolocations', 'users'] -%}
    select {{ staged }}.ind
    from {{ staged }}
    cross join last_written
    where {{ staged }}._staged_at > last_written.staged_at
    {% if not loop.last %}union{% endif %}
    {% endfor %}

),

{% endif %}
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
        year(users.date_joined) as join_year,
        {{ staged_at() }} as _staged_at
    from pins
    inner join geolocations on pins.ind = geolocations.ind
    inner join users on pins.ind = users.ind
    {%- if is_incremental() %}
    where pins.ind in (select changed.ind from changed)
    {%- endif %}

)

select * from joined
