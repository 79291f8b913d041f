{{ most_popular_category(group_by='age_group') }}
