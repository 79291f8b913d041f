{#- Landed lines that staging must drop: malformed (kept whole in `_corrupt_record`) or
    without a key. Warns when there is any; fails (at var('malformed_severity')) when their
    share of the landed lines is above `max_share`. One summary row; `failure_level` is 0 when
    clean, 1 for the warning, 2 above the limit. -#}
{% test malformed_share(model, key_column, max_share) %}

{{ config(
    severity=var('malformed_severity', 'error'),
    fail_calc='max(failure_level)',
    warn_if='>=1',
    error_if='>=2'
) }}

with

lines as (

    select
        case when _corrupt_record is not null or {{ key_column }} is null then 1 else 0 end
            as is_bad
    from {{ model }}

),

summary as (

    select
        count(*) as landed_lines,
        coalesce(sum(is_bad), 0) as bad_lines
    from lines

)

select
    landed_lines,
    bad_lines,
    bad_lines / greatest(landed_lines, 1) as bad_share,
    case
        when bad_lines = 0 then 0
        when bad_lines / greatest(landed_lines, 1) > {{ max_share }} then 2
        else 1
    end as failure_level
from summary

{% endtest %}
