"""The analysis report: the answers of Tasks 4-11 as charts, in one self-contained HTML file."""
