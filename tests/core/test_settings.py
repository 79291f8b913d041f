from pathlib import Path

import pytest

from core.errors import ConfigurationError
from core.paths import project_root
from core.settings import Settings, parse_env_file, port_number
from ingestion.clients.s3 import s3_client
from standins.stack.stack_config import Layout


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


def stack_file(tmp_path: Path, values: dict[str, str]) -> Path:
    path = tmp_path / "stack.env"
    path.write_text("".join(f"export {name}={value}\n" for name, value in values.items()))
    return path


LOCAL_S3 = {
    "S3_ENDPOINT_URL": "http://127.0.0.1:8333",
    "S3_ACCESS_KEY_ID": "LOCALKEY",
    "S3_SECRET_ACCESS_KEY": "local-secret",  # pragma: allowlist secret
    "SPARK_THRIFT_PORT": "10000",
}


def test_an_empty_variable_is_unset_and_hides_the_stack_files_value(tmp_path: Path):
    environ = {
        "PINTEREST_STACK_ENV": str(stack_file(tmp_path, LOCAL_S3)),
        "S3_ENDPOINT_URL": "",
        "SPARK_THRIFT_PORT": "",
    }
    settings = Settings.load(environ)
    assert settings.get("S3_ENDPOINT_URL") is None
    assert settings.get("SPARK_THRIFT_PORT", "10001") == "10001"  # the default, not the file's
    assert settings.require_port("SPARK_THRIFT_PORT", 10001) == 10001
    with pytest.raises(ConfigurationError, match="SPARK_THRIFT_PORT is not set"):
        settings.require("SPARK_THRIFT_PORT")
    assert settings.get("S3_ACCESS_KEY_ID") == "LOCALKEY"  # not exported: the file's
    # A command it starts resolves the same: the empty value is passed on.
    assert Settings.load(settings.child_env()).get("S3_ENDPOINT_URL") is None


def test_an_empty_variable_hides_the_files_value_for_first_too(tmp_path: Path):
    path = stack_file(tmp_path, {"KAFKA_SINK_CONFIG": "sink.properties"})
    both = ("KAFKA_SINK_CONFIG", "KAFKA_CLIENT_CONFIG")
    settings = Settings.load({"PINTEREST_STACK_ENV": str(path), "KAFKA_SINK_CONFIG": ""})
    assert settings.first(*both) is None
    settings = Settings.load(
        {"PINTEREST_STACK_ENV": str(path), "KAFKA_CLIENT_CONFIG": "", "KAFKA_SINK_CONFIG": ""}
    )
    assert settings.first(*both) is None
    # An empty general setting is no exported one: the file's per-role file applies.
    settings = Settings.load({"PINTEREST_STACK_ENV": str(path), "KAFKA_CLIENT_CONFIG": ""})
    assert settings.first(*both) == ("KAFKA_SINK_CONFIG", "sink.properties")


def test_emptied_endpoint_and_keys_point_a_sourced_shell_at_aws_s3(tmp_path: Path):
    # The README's "unset for AWS S3", in a shell that sourced the stack file.
    environ = {
        **LOCAL_S3,
        "PINTEREST_STACK_ENV": str(stack_file(tmp_path, LOCAL_S3)),
        "S3_ENDPOINT_URL": "",
        "S3_ACCESS_KEY_ID": "",
        "S3_SECRET_ACCESS_KEY": "",
    }
    client = s3_client(Settings.load(environ))
    assert client.meta.endpoint_url == "https://s3.amazonaws.com"
    credentials = client._request_signer._credentials  # boto3's default chain, if anything
    assert credentials is None or credentials.access_key != "LOCALKEY"


def test_the_stack_file_and_state_are_found_from_the_repository_root(monkeypatch):
    # As a command run from a subfolder finds them (`cd models && python -m ...`).
    root = project_root()
    monkeypatch.chdir(root / "models")
    settings = Settings.load({})
    state = (root / ".local").resolve()  # a worktree's may be a link to another's
    assert settings.stack_path.resolve() == state / "stack.env"
    assert settings.state == state
    assert Layout.from_settings(settings).stack_env == state / "stack.env"


def test_the_state_folder_moves_the_stack_file_with_it(tmp_path: Path):
    settings = Settings.load({"PINTEREST_STATE_DIR": str(tmp_path)})
    assert settings.stack_path == tmp_path / "stack.env"


@pytest.mark.parametrize("text", ["0", "65536", "99999", "x", "-1", ""])
def test_a_port_is_1_to_65535(text: str):
    with pytest.raises(ValueError, match=f"must be a port from 1 to 65535, got {text!r}"):
        port_number(text)


@pytest.mark.parametrize("text", ["1", "65535", "10000"])
def test_a_port_in_range_is_taken(text: str):
    assert port_number(text) == int(text)


def test_a_port_setting_out_of_range_names_the_variable(tmp_path: Path):
    settings = Settings.load(
        {"PINTEREST_STACK_ENV": str(tmp_path / "absent.env"), "SPARK_THRIFT_PORT": "99999"}
    )
    with pytest.raises(
        ConfigurationError, match="SPARK_THRIFT_PORT must be a port from 1 to 65535, got '99999'"
    ):
        settings.require_port("SPARK_THRIFT_PORT")
