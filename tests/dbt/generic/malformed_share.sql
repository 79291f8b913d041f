{#- Landed lines that staging drops, per source table, from the landed-objects audit
    (`audit_pinterest__landed_objects`): malformed (kept whole in `_corrupt_record`) or without a
    key. Warns when there is any; fails (at var('malformed_severity')) when their share of a
    table's landed lines is above `max_share`. A row per source table; `failure_level` is 0
    when clean, 1 for the warning, 2 above the limit. -#}
{% test malformed_share(model, max_share) %}

{{ config(
    severity=var('malformed_severity', 'error'),
    fail_calc='coalesce(max(failure_level), 0)',
    warn_if='>=1',
    error_if='>=2'
) }}

with

summary as (

    select
        source_table,
        sum(landed_lines) as landed_lines,
        sum(malformed_lines + keyless_lines) as bad_lines
    from {{ model }}
    group by source_table

)

select
    source_table,
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
