"""The report and the dbt docs site. The report's file: self-contained, holding every mart's
rows and the counts. Then both as a person sees them: opened from a local HTTP server in
headless Chromium, with every request off the machine refused. Screenshots are saved under
output/screenshots/ (`make screenshots` copies two of them into docs/img/)."""

from __future__ import annotations

import json
import re

from browser import chromium_page, screenshot, serve

from warehouse.questions import Question, questions


def asked(reported) -> list[Question]:
    """The questions as the lane's dbt project declares them (its docs' manifest)."""
    return questions(json.loads((reported.docs / "manifest.json").read_text()))


def test_the_report_needs_no_network(reported):
    text = reported.report.read_text(encoding="utf-8")
    assert "11,154 posts" in reported.report_output and "opens offline" in reported.report_output
    # No script, style or image is fetched: everything the page uses is inline.
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert not re.search(r"<img[^>]+src=\"?https?:", text)
    assert text.count("plotly.js v") == 1, "plotly.js is inlined, once"
    assert text.count("Plotly.newPlot") == 9


def test_every_question_has_a_chart_a_caption_and_its_table(reported):
    text = reported.report.read_text(encoding="utf-8")
    for task, question, mart, _ in asked(reported):
        section = text[text.index(f'<section class="question" id="{mart}">') :]
        section = section[: section.index("</section>")]
        assert f"{task}: {question}" in section
        assert "Grain:" in section and "Window:" in section
        assert f'id="chart-{mart}"' in section
        reported.cursor.execute(f"select count(*) from {reported.lane.prefix}_marts.{mart}")
        (rows,) = reported.cursor.fetchone()
        assert rows > 0
        assert f"({rows:,} rows)" in section
        assert section.count("<tr>") == rows + 1  # the header, then a row per mart row


def test_reconciliation_and_quality_counts_are_in_the_report(reported):
    text = reported.report.read_text(encoding="utf-8")
    assert "Every record is accounted for at every stage counted." in text
    quality = text[text.index('<section id="quality">') :]
    for table in ("pinterest_data", "geolocation_data", "user_data"):
        assert f"<td>{table}</td>" in quality
    # The generated data carries the original's markers: some were made NULL.
    markers = re.findall(r"<td>pinterest_data</td><td class=\"number\">([\d,]+)</td>", quality)
    assert markers and int(markers[0].replace(",", "")) > 0


def test_missing_reconcile_counts_are_one_clear_line(run, tmp_path):
    result = run("warehouse.report", "--reconcile", str(tmp_path / "none.json"))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: no reconciliation counts at {tmp_path / 'none.json'}: run "
        "`python -m warehouse.reconcile` first (make demo does)"
    )


# Bars (plotly's `.point` paths) drawn in each chart, with a size on the page.
DRAWN_BARS = """mart => {
    const chart = document.getElementById('chart-' + mart);
    if (!chart) return -1;
    return [...chart.querySelectorAll('svg.main-svg .point path')]
        .filter(bar => { const box = bar.getBBox(); return box.width > 0 && box.height > 0; })
        .length;
}"""


def test_every_chart_of_the_report_renders(reported):
    with serve(reported.report.parent) as url, chromium_page() as (page, outside):
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/index.html")
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length === 9")
        for _, _, mart, _ in asked(reported):
            assert page.evaluate(DRAWN_BARS, mart) > 0, f"the chart of {mart} drew no bar"
        screenshot(page, "report", height=1900)  # the README's: the top, tables collapsed
        # The tables are collapsed until asked for.
        first = page.locator("details").first
        assert not first.locator("table").is_visible()
        first.locator("summary").click()
        assert first.locator("table").is_visible()
        assert "from 11,154 posts" in page.locator("#provenance").inner_text()
        screenshot(page, "report-full")
    assert errors == []
    assert outside == [], "the report fetched something off the machine"


LINEAGE = """() => {
    try {
        const graph = angular.element(document.body).injector().get('graph');
        const cy = graph.graph_element;
        if (!cy || cy.nodes().length === 0) return null;
        return cy.nodes().filter(node => node.visible()).map(node => node.id());
    } catch (error) { return null; }
}"""

# Pixels drawn on the graph's canvases: a lineage that is only data draws none.
PAINTED = """() => {
    let painted = 0;
    for (const canvas of document.querySelectorAll('canvas')) {
        if (!canvas.width || !canvas.height) continue;
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        for (let i = 3; i < pixels.data.length; i += 4) if (pixels.data[i]) painted++;
    }
    return painted;
}"""


def test_the_docs_lineage_shows_sources_models_marts_and_the_report(reported):
    with serve(reported.docs) as url, chromium_page() as (page, _outside):
        page.goto(f"{url}/index.html#!/overview?g_v=1")
        page.wait_for_function(f"({LINEAGE})() !== null", timeout=60_000)
        page.wait_for_timeout(1500)  # the layout animates into place
        shown = set(page.evaluate(LINEAGE))
        assert page.evaluate(PAINTED) > 10_000, "the lineage graph painted nothing"
        screenshot(page, "lineage", height=900)
    project = "pinterest_pipeline"
    expected = {f"source.{project}.pinterest.{table}" for table in ("pin", "geo", "user")}
    expected |= {
        f"model.{project}.stg_pinterest__{entity}" for entity in ("pins", "geolocations", "users")
    }
    expected |= {f"model.{project}.{mart}" for _, _, mart, _ in asked(reported)}
    expected.add(f"exposure.{project}.analysis_report")
    assert expected <= shown, sorted(expected - shown)
