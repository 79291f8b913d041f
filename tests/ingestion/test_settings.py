from pathlib import Path

import pytest

from ingestion.errors import ConfigurationError
from ingestion.settings import Settings, parse_env_file


def test_parse_env_file_reads_export_lines_with_shell_quoting():
    text = "# comment\nexport A='x y'\nB=plain\nexport C='it'\"'\"'s'\nnot a line\n\nD=\n"
    assert parse_env_file(text) == {"A": "x y", "B": "plain", "C": "it's", "D": ""}


def test_environment_wins_over_stack_file(tmp_path: Path):
    env_file = tmp_path / "stack.env"
    env_file.write_text("export KAFKA_BOOTSTRAP_SERVERS=from-file:9092\nexport S3_BUCKET=b\n")
    environ = {"PINTEREST_STACK_ENV": str(env_file), "KAFKA_BOOTSTRAP_SERVERS": "env:9092"}
    settings = Settings.load(environ)
    assert settings.require("KAFKA_BOOTSTRAP_SERVERS") == "env:9092"
    assert settings.require("S3_BUCKET") == "b"


def test_missing_setting_names_the_variable_and_the_fix(tmp_path: Path):
    settings = Settings.load({"PINTEREST_STACK_ENV": str(tmp_path / "absent.env")})
    with pytest.raises(ConfigurationError, match=r"PINTEREST_DB_URL is not set.*make up"):
        settings.require("PINTEREST_DB_URL")


def test_integer_settings_are_validated(tmp_path: Path):
    settings = Settings.load(
        {"PINTEREST_STACK_ENV": str(tmp_path / "x"), "PINTEREST_TOPIC_PARTITIONS": "three"}
    )
    with pytest.raises(ConfigurationError, match="PINTEREST_TOPIC_PARTITIONS must be an integer"):
        settings.require_int("PINTEREST_TOPIC_PARTITIONS", 3)
    assert Settings.load({"PINTEREST_STACK_ENV": str(tmp_path / "x")}).require_int("N", 3) == 3
