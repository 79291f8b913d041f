"""The report as one HTML file that needs no network: plotly's script and the styles are
inlined, every chart is drawn from data in the file."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from warehouse.report.warehouse import Table

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 24px;
       color: #222; }
header { border-bottom: 1px solid #ddd; margin-bottom: 16px; }
.meta { color: #555; }
nav ol { columns: 2; }
section { margin: 32px 0; }
.caption { color: #444; max-width: 900px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; color: #0b5cad; }
.ok { color: #17692c; } .problem { color: #a11; }
"""

RECONCILE_COLUMNS = [
    ("table", "table"),
    ("MySQL rows", "mysql_rows"),
    ("Kafka records", "kafka_records"),
    ("not landed yet", "kafka_pending"),
    ("S3 lines", "s3_records"),
    ("dead-lettered", "dlq_records"),
    ("raw lines", "raw_lines"),
    ("staging rows", "staging_rows"),
]


@dataclass(frozen=True)
class Question:
    task: str
    question: str
    mart: str
    caption: str
    table: Table
    figure: go.Figure


@dataclass(frozen=True)
class Provenance:
    built_at: str
    posts: int
    target: str


def cell(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return f"<td>{'' if value is None else value}</td>"
    if isinstance(value, int | float):
        shown = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
        return f'<td class="number">{shown}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def html_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def question_section(question: Question, first: bool) -> str:
    chart = question.figure.to_html(
        full_html=False,
        include_plotlyjs=first,  # the script once, inlined: the file opens offline
        div_id=f"chart-{question.mart}",
        config={"displaylogo": False, "responsive": True},
    )
    rows = len(question.table.rows)
    return f"""
<section class="question" id="{question.mart}">
<h2>{html.escape(question.task)}: {html.escape(question.question)}</h2>
<p class="caption">{html.escape(question.caption)} Mart: <code>{question.mart}</code>.</p>
<div class="chart">{chart}</div>
<details><summary>The table behind the chart ({rows:,} rows)</summary>
{html_table(question.table.columns, question.table.rows)}
</details>
</section>"""


def reconciliation_section(reconcile: dict[str, Any]) -> str:
    tables = reconcile["tables"]
    rows = [[t.get(key) for _, key in RECONCILE_COLUMNS] for t in tables]
    if reconcile["reconciled"]:
        verdict = '<p class="ok">Every record is accounted for at every stage counted.</p>'
    else:
        items = "".join(f"<li>{html.escape(p)}</li>" for p in reconcile["problems"])
        verdict = f'<p class="problem">Shortfalls:</p><ul class="problem">{items}</ul>'
    return f"""
<section id="reconciliation">
<h2>Reconciliation</h2>
<p class="caption">Each source table counted at every stage by
<code>python -m warehouse.reconcile</code> at {html.escape(reconcile["generated_at"])}.</p>
{verdict}
{html_table([label for label, _ in RECONCILE_COLUMNS], rows)}
</section>"""


def quality_section(reconcile: dict[str, Any], markers: dict[str, int]) -> str:
    rows = [
        [
            t["table"],
            markers.get(t["table"]),
            t.get("dropped_lines"),
            t.get("duplicates_removed"),
            t.get("dlq_records"),
        ]
        for t in reconcile["tables"]
    ]
    columns = [
        "table",
        "markers made NULL",
        "malformed or keyless lines quarantined",
        "duplicates removed",
        "dead-lettered",
    ]
    return f"""
<section id="quality">
<h2>Data quality</h2>
<p class="caption">Raw values that were a missing-value marker (the
<code>missing_value_markers</code> seed) once trimmed, which staging turns into NULL; landed
lines staging drops as malformed or keyless; lines folded into another of the same key; and
records the sink dead-lettered instead of landing.</p>
{html_table(columns, rows)}
</section>"""


def render(
    questions: Sequence[Question],
    reconcile: dict[str, Any],
    markers: dict[str, int],
    provenance: Provenance,
) -> str:
    contents = "".join(
        f'<li><a href="#{q.mart}">{html.escape(q.task)}: {html.escape(q.question)}</a></li>'
        for q in questions
    )
    sections = "".join(question_section(q, first=i == 0) for i, q in enumerate(questions))
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pinterest posts: the answers</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Pinterest posts: the answers</h1>
<p class="meta" id="provenance">Built {html.escape(provenance.built_at)} from
{provenance.posts:,} posts, on target {html.escape(provenance.target)}.</p>
</header>
<nav><ol>{contents}
<li><a href="#reconciliation">Reconciliation</a></li><li><a href="#quality">Data quality</a></li>
</ol></nav>
{sections}
{reconciliation_section(reconcile)}
{quality_section(reconcile, markers)}
</body>
</html>
"""
