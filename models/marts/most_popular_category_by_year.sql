{{ most_popular_category(
    group_by='post_year',
    where='post_year between ' ~ var('post_year_start') ~ ' and ' ~ var('post_year_end')
) }}
