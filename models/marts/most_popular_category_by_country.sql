{{ most_popular_category(group_by='country') }}
