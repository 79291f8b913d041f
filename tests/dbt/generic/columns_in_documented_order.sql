{#- The model's columns, as built, are the columns its YAML documents, in the same order: the
    model's contract with what reads it. One row when they differ, naming both lists. Reads the
    table's schema only, whatever the test's `where` (give it `where: ""`). -#}
{% test columns_in_documented_order(model) %}

{%- set lists = namespace(built=[], documented=[]) -%}
{%- if execute -%}
    {%- set lists.built = adapter.get_columns_in_relation(model) | map(attribute='name') | map('lower') | list -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.alias == model.identifier
        and node.schema == model.schema -%}
        {%- set lists.documented = node.columns.keys() | map('lower') | list -%}
    {%- endfor -%}
{%- endif -%}

select
    '{{ lists.built | join(", ") }}' as built,
    '{{ lists.documented | join(", ") }}' as documented
where {{ 'true' if lists.built != lists.documented else 'false' }}

{% endtest %}
