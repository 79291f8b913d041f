{#- The category with the most posts in each group of `group_by` (a column of the enriched
    posts), ties all kept; posts without the group value or a category are left out. -#}
{% macro most_popular_category(group_by, where='true') %}

with

posts as (

    select * from {{ ref('int_pinterest__posts_enriched') }}

),

category_counts as (

    select
        {{ group_by }},
        category,
        count(*) as category_count
    from posts
    where {{ group_by }} is not null and category is not null and {{ where }}
    group by {{ group_by }}, category

),

ranked as (

    select
        *,
        rank() over (partition by {{ group_by }} order by category_count desc) as popularity_rank
    from category_counts

)

select
    {{ group_by }},
    category,
    category_count
from ranked
where popularity_rank = 1

{% endmacro %}


{#- Exact median with linear interpolation between the two middle values. -#}
{% macro median(expression) %}
    {{ return(adapter.dispatch('median')(expression)) }}
{% endmacro %}

{% macro default__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
