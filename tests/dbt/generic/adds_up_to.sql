{#- The column, summed per `group_by`, equals the `total` column of `to` for the same group:
    a breakdown that agrees with its total. A row per group where it does not (a group with
    no parts counts 0). -#}
{% test adds_up_to(model, column_name, group_by, to, total) %}

with

parts as (

    select
        {{ group_by }},
        sum({{ column_name }}) as parts
    from {{ model }}
    group by {{ group_by }}

),

totals as (

    select
        {{ group_by }},
        {{ total }} as total
    from {{ to }}

)

select
    totals.{{ group_by }},
    totals.total,
    parts.parts
from totals
left join parts on totals.{{ group_by }} = parts.{{ group_by }}
where totals.total != coalesce(parts.parts, 0)

{% endtest %}
