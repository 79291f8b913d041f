"""The mutants of `make mutants`: each breaks one cleaning or analysis rule of the dbt project
by replacing one piece of text, in a scratch copy of the project. The unit tests and the data
tests must kill every one (tests/mutants/mutate.py). `old` must occur exactly once in `path`
(tests/mutants/test_mutations.py holds them to it), so a rule that moves is noticed here.

`select` is the dbt selection of the models the mutant changes, downstream included."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str
    rule: str  # the rule broken, as the YAML or README states it
    path: str
    old: str
    new: str
    select: str


CLEANING = "macros/cleaning.sql"
PINS = "models/staging/stg_pinterest__pins.sql"
GEOS = "models/staging/stg_pinterest__geolocations.sql"
USERS = "models/staging/stg_pinterest__users.sql"
LANDING = "macros/landing.sql"
ENRICHED = "models/intermediate/int_pinterest__posts_enriched.sql"
POPULAR = "macros/most_popular.sql"
# The staging models and the landing's audit, which reads the landing with the same macros.
STAGING = "path:models/staging+ audit_pinterest__landed_objects+"
SCALED_COUNT = """    try_cast(concat(
        regexp_extract({{ text }}, '^([0-9]+)', 1),
        rpad(left({{ fraction }}, {{ digits }}), {{ digits }}, '0')
    ) as bigint)
"""

MUTANTS = [
    # Task 1-3: text.
    Mutant(
        "trim-ascii-only",
        "Unicode spaces (no-break, ideographic) are trimmed too",
        CLEANING,
        r"'^[\\s\\p{Z}]+|[\\s\\p{Z}]+$'",
        r"'^[\\s]+|[\\s]+$'",
        STAGING,
    ),
    Mutant(
        "trim-leading-only",
        "whitespace is trimmed at both ends",
        CLEANING,
        r"'^[\\s\\p{Z}]+|[\\s\\p{Z}]+$'",
        r"'^[\\s\\p{Z}]+'",
        STAGING,
    ),
    Mutant(
        "empty-text-kept",
        "empty text becomes NULL",
        CLEANING,
        "when {{ trimmed }} = '' or {{ is_missing_value_marker(expression, markers) }} then null",
        "when {{ is_missing_value_marker(expression, markers) }} then null",
        STAGING,
    ),
    Mutant(
        "markers-kept",
        "missing-value markers become NULL",
        CLEANING,
        "when {{ trimmed }} = '' or {{ is_missing_value_marker(expression, markers) }} then null",
        "when {{ trimmed }} = '' then null",
        STAGING,
    ),
    Mutant(
        "padded-marker-kept",
        "a marker padded with whitespace is still a marker",
        CLEANING,
        "array_contains({{ markers }}, {{ trim_whitespace(expression) }})",
        "array_contains({{ markers }}, {{ expression }})",
        STAGING,
    ),
    Mutant(
        "untrimmed-text-kept",
        "text is kept trimmed",
        CLEANING,
        "        else {{ trimmed }}\n",
        "        else {{ expression }}\n",
        STAGING,
    ),
    # Task 1: follower counts.
    Mutant(
        "thousands-times-100",
        "`<n>k` is n times 1,000",
        CLEANING,
        "{{ scaled_count(text, 3) }}",
        "{{ scaled_count(text, 2) }}",
        STAGING,
    ),
    Mutant(
        "millions-times-1000",
        "`<n>M` is n times 1,000,000",
        CLEANING,
        "{{ scaled_count(text, 6) }}",
        "{{ scaled_count(text, 3) }}",
        STAGING,
    ),
    Mutant(
        "negative-count-kept",
        "a count with a sign is NULL",
        CLEANING,
        "when {{ text }} rlike '^[0-9]+$' then",
        "when {{ text }} rlike '^-?[0-9]+$' then",
        STAGING,
    ),
    Mutant(
        "upper-k-accepted",
        "only a lower-case `k` means thousands",
        CLEANING,
        "rlike '^[0-9]+([.][0-9]+)?k$'",
        "rlike '^[0-9]+([.][0-9]+)?[kK]$'",
        STAGING,
    ),
    Mutant(
        "fractions-dropped",
        "`<n>` may have decimals (`1.5k` is 1,500)",
        CLEANING,
        "rpad(left({{ fraction }}, {{ digits }}), {{ digits }}, '0')",
        "rpad('', {{ digits }}, '0')",
        STAGING,
    ),
    Mutant(
        "fractions-rounded",
        "fractions of a follower are truncated",
        CLEANING,
        SCALED_COUNT,
        "    try_cast(round(try_cast(regexp_extract({{ text }}, '^[0-9.]+', 0) as decimal(38, 10))"
        " * power(10, {{ digits }})) as bigint)\n",
        STAGING,
    ),
    # Task 2-3: timestamps.
    Mutant(
        "date-only-accepted",
        "a date without a time is NULL",
        CLEANING,
        "[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?(Z|",
        "([ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?)?(Z|",
        STAGING,
    ),
    Mutant(
        "offset-ignored",
        "an ISO-8601 offset is converted to UTC",
        CLEANING,
        "then try_cast({{ text }} as timestamp)",
        "then try_cast(left({{ text }}, 19) as timestamp)",
        STAGING,
    ),
    # Task 1: the other pin columns.
    Mutant(
        "save-prefix-kept",
        "the save location loses its `Local save in ` prefix",
        CLEANING,
        "'^Local save in(\\\\s|$)', ''",
        "'^Local save in(\\\\s|$)', 'Local save in '",
        STAGING,
    ),
    Mutant(
        "story-is-image",
        "the story format is a video",
        PINS,
        "when 'multi-video(story page format)' then 'video'",
        "when 'multi-video(story page format)' then 'image'",
        "stg_pinterest__pins+",
    ),
    Mutant(
        "unknown-media-kept",
        "other media types are NULL",
        PINS,
        "            when 'multi-video(story page format)' then 'video'\n        end",
        "            when 'multi-video(story page format)' then 'video'\n"
        "            else {{ clean_text('source.is_image_or_video') }}\n        end",
        "stg_pinterest__pins+",
    ),
    Mutant(
        "downloaded-defaults-to-0",
        "`downloaded` is the source's 1 or 0, NULL when missing",
        PINS,
        "try_cast(source.downloaded as int) as downloaded",
        "coalesce(try_cast(source.downloaded as int), 0) as downloaded",
        "stg_pinterest__pins+",
    ),
    Mutant(
        "unique-id-uncleaned",
        "every text column is cleaned, the post's UUID too",
        PINS,
        "{{ clean_text('source.unique_id') }} as unique_id",
        "source.unique_id as unique_id",
        "stg_pinterest__pins+",
    ),
    Mutant(
        "category-uncleaned",
        "the category is cleaned",
        PINS,
        "{{ clean_text('source.category') }} as category",
        "source.category as category",
        "stg_pinterest__pins+",
    ),
    Mutant(
        "pin-columns-reordered",
        "the staging contract's column order",
        PINS,
        "        ind,\n        unique_id,\n        title,",
        "        ind,\n        title,\n        unique_id,",
        "stg_pinterest__pins+",
    ),
    # Task 2.
    Mutant(
        "coordinates-swapped",
        "coordinates are [latitude, longitude]",
        GEOS,
        "array(source.latitude, source.longitude) as coordinates",
        "array(source.longitude, source.latitude) as coordinates",
        "stg_pinterest__geolocations+",
    ),
    Mutant(
        "country-uncleaned",
        "the country is cleaned",
        GEOS,
        "{{ clean_text('source.country') }} as country",
        "source.country as country",
        "stg_pinterest__geolocations+",
    ),
    Mutant(
        "geo-columns-reordered",
        "the staging contract's column order",
        GEOS,
        "        ind,\n        country,\n        coordinates,",
        "        ind,\n        coordinates,\n        country,",
        "stg_pinterest__geolocations+",
    ),
    # Task 3.
    Mutant(
        "names-joined-without-space",
        "first and last name are joined by one space",
        USERS,
        "concat_ws(' ', {{ clean_text('source.first_name') }}",
        "concat_ws('', {{ clean_text('source.first_name') }}",
        "stg_pinterest__users+",
    ),
    Mutant(
        "no-name-is-empty",
        "a user without either name has NULL",
        USERS,
        "        nullif(\n            concat_ws(' ', {{ clean_text('source.first_name') }}, "
        "{{ clean_text('source.last_name') }}),\n            ''\n        ) as user_name",
        "        concat_ws(' ', {{ clean_text('source.first_name') }}, "
        "{{ clean_text('source.last_name') }}) as user_name",
        "stg_pinterest__users+",
    ),
    Mutant(
        "user-columns-reordered",
        "the staging contract's column order",
        USERS,
        "        ind,\n        user_name,\n        age,",
        "        ind,\n        age,\n        user_name,",
        "stg_pinterest__users+",
    ),
    # Tasks 1-3: which line of a key is kept.
    Mutant(
        "oldest-object-wins",
        "the line in the object with the highest offset wins",
        LANDING,
        "order by _landed_offset desc, _landed_order desc",
        "order by _landed_offset asc, _landed_order desc",
        STAGING,
    ),
    Mutant(
        "first-line-wins",
        "of two lines in one object the last wins",
        LANDING,
        "order by _landed_offset desc, _landed_order desc",
        "order by _landed_offset desc, _landed_order asc",
        STAGING,
    ),
    Mutant(
        "keyless-lines-kept",
        "lines without a key are dropped",
        PINS,
        "where ind is not null and _corrupt_record is null",
        "where _corrupt_record is null",
        "stg_pinterest__pins+",
    ),
    Mutant(
        "malformed-lines-kept",
        "malformed lines are dropped",
        PINS,
        "where ind is not null and _corrupt_record is null",
        "where ind is not null",
        "stg_pinterest__pins+",
    ),
    Mutant(
        "older-line-replaces-held",
        "a later run replaces a row only with a line landed at the same or a higher offset",
        LANDING,
        "where held.{{ key }} is null or {{ relation }}._landed_offset >= held._landed_offset",
        "where held.{{ key }} is null or true",
        STAGING,
    ),
    Mutant(
        "new-objects-skipped",
        "an incremental run reads the objects past the last offset held",
        LANDING,
        "{{ offset }} > {{ last_offset_held(file_path, holds) }}",
        "{{ offset }} > 1000000 + {{ last_offset_held(file_path, holds) }}",
        STAGING,
    ),
    # The enriched posts every mart reads.
    Mutant(
        "posts-without-geolocation-kept",
        "a post without its geolocation is left out",
        ENRICHED,
        "inner join geolocations on pins.ind = geolocations.ind",
        "left join geolocations on pins.ind = geolocations.ind",
        "int_pinterest__posts_enriched+",
    ),
    Mutant(
        "post-year-from-join-date",
        "a post's year is the year it was made",
        ENRICHED,
        "year(geolocations.timestamp) as post_year",
        "year(users.date_joined) as post_year",
        "int_pinterest__posts_enriched+",
    ),
    Mutant(
        "late-geolocation-not-joined",
        "a geolocation that lands a run after its pin joins then",
        ENRICHED,
        "{% for staged in ['pins', 'geolocations', 'users'] -%}",
        "{% for staged in ['pins', 'users'] -%}",
        "int_pinterest__posts_enriched+",
    ),
    Mutant(
        "age-18-to-25",
        "the age groups are 18-24, 25-35, 36-50 and over 50",
        CLEANING,
        "when {{ age }} between 18 and 24 then '18-24'",
        "when {{ age }} between 18 and 25 then '18-24'",
        "int_pinterest__posts_enriched+",
    ),
    Mutant(
        "age-50-left-out",
        "50 is in 36-50",
        CLEANING,
        "when {{ age }} between 36 and 50 then '36-50'",
        "when {{ age }} between 36 and 49 then '36-50'",
        "int_pinterest__posts_enriched+",
    ),
    Mutant(
        "minors-grouped",
        "ages under 18 belong to no group",
        CLEANING,
        "when {{ age }} between 18 and 24 then '18-24'",
        "when {{ age }} <= 24 then '18-24'",
        "int_pinterest__posts_enriched+",
    ),
    # Tasks 4-11.
    Mutant(
        "popular-ties-dropped",
        "tied categories are all kept",
        POPULAR,
        "rank() over (partition by {{ group_by }} order by category_count desc)",
        "row_number() over (partition by {{ group_by }} order by category_count desc, category)",
        "int_pinterest__posts_enriched+",
    ),
    Mutant(
        "least-popular",
        "the most popular category is the one with most posts",
        POPULAR,
        "order by category_count desc) as popularity_rank",
        "order by category_count asc) as popularity_rank",
        "int_pinterest__posts_enriched+",
    ),
    Mutant(
        "unknown-group-kept",
        "posts without the group value are left out",
        POPULAR,
        "where {{ group_by }} is not null and category is not null",
        "where category is not null",
        "int_pinterest__posts_enriched+",
    ),
    Mutant(
        "post-years-from-2019",
        "posts made from var('post_year_start') count",
        "models/marts/most_popular_category_by_year.sql",
        "where='post_year between ' ~ var('post_year_start')",
        "where='post_year between ' ~ (var('post_year_start') + 1)",
        "most_popular_category_by_year",
    ),
    Mutant(
        "median-is-approximate",
        "the median is exact, interpolating between the two middle values",
        POPULAR,
        "percentile({{ expression }}, 0.5)",
        "percentile_approx({{ expression }}, 0.5)",
        "int_pinterest__posts_enriched+",
    ),
    Mutant(
        "median-is-mean",
        "the median is the middle value, not the mean",
        POPULAR,
        "percentile({{ expression }}, 0.5)",
        "avg({{ expression }})",
        "int_pinterest__posts_enriched+",
    ),
    Mutant(
        "followed-ties-dropped",
        "tied posters of a country are all kept",
        "models/marts/most_followed_user_by_country.sql",
        "rank() over (partition by country order by follower_count desc)",
        "row_number() over (partition by country order by follower_count desc, poster_name)",
        "most_followed_user_by_country+",
    ),
    Mutant(
        "followed-poster-repeated",
        "a poster is one row per country, however many posts",
        "models/marts/most_followed_user_by_country.sql",
        "    select distinct\n        country,",
        "    select\n        country,",
        "most_followed_user_by_country+",
    ),
    Mutant(
        "least-followed-country",
        "the country with the most followed poster of all",
        "models/marts/country_with_most_followed_user.sql",
        "rank() over (order by follower_count desc)",
        "rank() over (order by follower_count asc)",
        "country_with_most_followed_user",
    ),
    Mutant(
        "users-counted-per-post",
        "a user on many posts counts once",
        "models/marts/users_joined_by_year.sql",
        "    select distinct\n        user_name,",
        "    select\n        user_name,",
        "users_joined_by_year",
    ),
    Mutant(
        "join-years-to-2019",
        "users who joined up to var('join_year_end') count",
        "models/marts/median_follower_count_by_join_year.sql",
        "and join_year between {{ var('join_year_start') }} and {{ var('join_year_end') }}",
        "and join_year between {{ var('join_year_start') }} and {{ var('join_year_end') - 1 }}",
        "median_follower_count_by_join_year",
    ),
    Mutant(
        "unknown-followers-counted",
        "posts with an unknown follower count are left out of the medians",
        "models/marts/median_follower_count_by_age_group.sql",
        "where age_group is not null and follower_count is not null",
        "where age_group is not null",
        "median_follower_count_by_age_group",
    ),
]
