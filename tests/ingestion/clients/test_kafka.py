from pathlib import Path

import pytest
from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

from core.errors import ConfigurationError
from core.settings import Settings
from ingestion.clients.kafka import client_config, parse_properties


def test_properties_files_are_parsed_like_java_properties():
    text = "# comment\n! also a comment\n\nsecurity.protocol=SASL_SSL\nsasl.mechanism : PLAIN\n"
    assert parse_properties(text) == {"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"}


def test_a_line_without_a_separator_is_reported_with_its_number():
    with pytest.raises(ConfigurationError, match="line 2 is not `key=value`"):
        parse_properties("a=1\njust-a-word\n")


def settings_with(tmp_path: Path, properties: str) -> Settings:
    path = tmp_path / "client.properties"
    path.write_text(properties)
    return Settings.load(
        {
            "PINTEREST_STACK_ENV": str(tmp_path / "none.env"),
            "KAFKA_BOOTSTRAP_SERVERS": "b-1.example:9098",
            "KAFKA_CLIENT_CONFIG": str(path),
        }
    )


def test_file_settings_are_merged_over_the_bootstrap_servers(tmp_path):
    config = client_config(settings_with(tmp_path, "security.protocol=SASL_SSL\n"), "sink")
    assert config == {"bootstrap.servers": "b-1.example:9098", "security.protocol": "SASL_SSL"}


def role_settings(tmp_path: Path, environ: dict[str, str], stack: dict[str, str]) -> Settings:
    """Each value names a properties file holding client.id=<that value>."""
    for value in {**environ, **stack}.values():
        (tmp_path / value).write_text(f"client.id={value}\n")
    stack_env = tmp_path / "stack.env"
    stack_env.write_text("".join(f"export {k}={tmp_path / v}\n" for k, v in stack.items()))
    return Settings.load(
        {
            "PINTEREST_STACK_ENV": str(stack_env),
            "KAFKA_BOOTSTRAP_SERVERS": "b-1.example:9098",
            **{name: str(tmp_path / value) for name, value in environ.items()},
        }
    )


@pytest.mark.parametrize(
    ("environ", "stack", "used"),
    [
        # The stack names a file per role: each command signs in as its own user.
        ({}, {"KAFKA_SINK_CONFIG": "sink", "KAFKA_READER_CONFIG": "reader"}, "sink"),
        # One exported file for every role (MSK) beats the stack's per-role files.
        ({"KAFKA_CLIENT_CONFIG": "msk"}, {"KAFKA_SINK_CONFIG": "sink"}, "msk"),
        # An exported per-role file beats an exported general one.
        ({"KAFKA_CLIENT_CONFIG": "msk", "KAFKA_SINK_CONFIG": "mine"}, {}, "mine"),
        ({}, {"KAFKA_CLIENT_CONFIG": "shared"}, "shared"),
    ],
)
def test_a_role_reads_its_own_file_the_environment_first(tmp_path, environ, stack, used):
    config = client_config(role_settings(tmp_path, environ, stack), "sink")
    assert config["client.id"] == used


def test_bootstrap_servers_of_the_flag_beat_the_file(tmp_path):
    settings = settings_with(tmp_path, "bootstrap.servers=admin.example:9094\n")
    assert client_config(settings, "admin")["bootstrap.servers"] == "admin.example:9094"
    assert client_config(settings, "admin", "flag:1")["bootstrap.servers"] == "flag:1"


def test_msk_iam_region_installs_a_token_callback(tmp_path, monkeypatch):
    calls = []

    def fake_token(region):
        calls.append(region)
        return "signed-token", 1_700_000_000_000

    # AWS's signer needs real AWS credentials; here only its wiring is under test.
    monkeypatch.setattr(MSKAuthTokenProvider, "generate_auth_token", fake_token)
    config = client_config(
        settings_with(
            tmp_path,
            "security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\naws.msk.iam.region=eu-west-1\n",
        ),
        "emulator",
    )
    assert "aws.msk.iam.region" not in config
    assert config["oauth_cb"](None) == ("signed-token", 1_700_000_000.0)
    assert calls == ["eu-west-1"]
