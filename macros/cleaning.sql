{#- The staging cleaning rules, each written once. -#}

{#- Leading and trailing whitespace: ASCII whitespace plus Unicode separators (Zs, Zl, Zp),
    so no-break and other Unicode spaces go too. Spark's trim() only removes ' '. -#}
{% macro trim_whitespace(expression) -%}
    regexp_replace({{ expression }}, '^[\\s\\p{Z}]+|[\\s\\p{Z}]+$', '')
{%- endmacro %}


{#- Whether the text, trimmed, is a missing-value marker. `markers` is an array column of the
    markers (from the missing_value_markers seed), cross joined into the model. NULL for NULL. -#}
{% macro is_missing_value_marker(expression, markers='marker_values') -%}
    array_contains({{ markers }}, {{ trim_whitespace(expression) }})
{%- endmacro %}


{#- Trimmed text, NULL when empty or a missing-value marker. -#}
{% macro clean_text(expression, markers='marker_values') -%}
    {%- set trimmed = trim_whitespace(expression) -%}
    case
        when {{ trimmed }} = '' or {{ is_missing_value_marker(expression, markers) }} then null
        else {{ trimmed }}
    end
{%- endmacro %}


{#- Follower counts as text: plain digits as they are, `<n>k` times 1,000, `<n>M` times
    1,000,000 (n may have decimals; the product is truncated), anything else NULL. -#}
{% macro parse_follower_count(text) -%}
    case
        when {{ text }} rlike '^[0-9]+$' then try_cast({{ text }} as bigint)
        when {{ text }} rlike '^[0-9]+([.][0-9]+)?k$' then {{ scaled_count(text, 3) }}
        when {{ text }} rlike '^[0-9]+([.][0-9]+)?M$' then {{ scaled_count(text, 6) }}
    end
{%- endmacro %}


{#- A decimal number at the start of `text` times 10^digits, truncated: its integer part, then
    the first `digits` digits of its fraction (zeros where it has fewer). Exact for a fraction
    of any length, where a decimal of fixed scale would round it (2.9999999M is 2,999,999). -#}
{% macro scaled_count(text, digits) -%}
    {%- set fraction = "regexp_extract(" ~ text ~ ", '^[0-9]+[.]([0-9]+)', 1)" -%}
    try_cast(concat(
        regexp_extract({{ text }}, '^([0-9]+)', 1),
        rpad(left({{ fraction }}, {{ digits }}), {{ digits }}, '0')
    ) as bigint)
{%- endmacro %}


{#- Timestamps: `YYYY-MM-DD HH:MM:SS`, or ISO-8601 with `T`, an optional fraction and an
    optional `Z` or +/-HH:MM offset (converted to the session time zone, UTC). Anything else,
    including partial dates that Spark's cast would accept, is NULL. -#}
{% macro parse_timestamp(text) -%}
    case
        when {{ text }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?$'
            then try_cast({{ text }} as timestamp)
    end
{%- endmacro %}


{#- `Local save in /data/art` -> `/data/art`: the path without the source's prefix. -#}
{% macro save_location_path(expression) -%}
    regexp_replace({{ trim_whitespace(expression) }}, '^Local save in(\\s|$)', '')
{%- endmacro %}


{#- Age groups of the analysis; ages under 18 belong to none. -#}
{% macro age_group(age) -%}
    case
        when {{ age }} between 18 and 24 then '18-24'
        when {{ age }} between 25 and 35 then '25-35'
        when {{ age }} between 36 and 50 then '36-50'
        when {{ age }} > 50 then '50+'
    end
{%- endmacro %}
