from pathlib import Path

import pytest
from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

from ingestion.errors import UserError
from ingestion.kafka_client import client_config, parse_properties
from ingestion.settings import Settings


def test_properties_files_are_parsed_like_java_properties():
    text = "# comment\n! also a comment\n\nsecurity.protocol=SASL_SSL\nsasl.mechanism : PLAIN\n"
    assert parse_properties(text) == {"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"}


def test_a_line_without_a_separator_is_reported_with_its_number():
    with pytest.raises(UserError, match="line 2 is not `key=value`"):
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
    config = client_config(settings_with(tmp_path, "security.protocol=SASL_SSL\n"))
    assert config == {"bootstrap.servers": "b-1.example:9098", "security.protocol": "SASL_SSL"}


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
        )
    )
    assert "aws.msk.iam.region" not in config
    assert config["oauth_cb"](None) == ("signed-token", 1_700_000_000.0)
    assert calls == ["eu-west-1"]
