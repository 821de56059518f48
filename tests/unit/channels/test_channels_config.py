"""keqing.channels.config and the `channels` command."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from keqing.channels.config import (  # noqa: E402
    REST_KEY,
    SLACK_KEY,
    WECOM_KEY,
    channels_from_env,
    write_credentials,
)
from keqing.cli import channels as channels_commands  # noqa: E402

WECOM_ENV = {
    "WECOM_CORP_ID": "ww0123456789abcdef",
    "WECOM_AGENT_ID": "1000002",
    "WECOM_SECRET": "s3cret#with: yaml chars",
    "WECOM_TOKEN": "tok",
    "WECOM_AES_KEY": "a" * 43,
}
SLACK_ENV = {"SLACK_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "sig"}
REST_ENV = {"KEQING_REST_TOKEN": "rest-secret"}


def test_nothing_on_without_variables():
    config = channels_from_env({})
    assert config.credentials == {}
    assert config.enabled == []
    assert config.summary() == (
        "已启用渠道: 无; 未启用: rest (缺少 KEQING_REST_TOKEN), wecom (缺少 WECOM_CORP_ID, WECOM_AGENT_ID, "
        "WECOM_SECRET, WECOM_TOKEN, WECOM_AES_KEY), slack (缺少 SLACK_TOKEN, SLACK_SIGNING_SECRET)"
    )
    assert config.warnings == []
    assert not config.api_enabled and "HTTP API 已关闭" in config.api_status()


def test_rest_only_with_its_token_and_api_status():
    config = channels_from_env({**REST_ENV, "KEQING_API_TOKEN": "t"})
    assert config.enabled == ["rest"]
    assert config.credentials == {REST_KEY: {"token": "${KEQING_REST_TOKEN}"}}
    assert config.api_enabled and "HTTP API 已开启" in config.api_status()


def test_empty_credentials_file_starts_no_channel(tmp_path):
    import rasa.shared.utils.io

    path = tmp_path / "c.yml"
    write_credentials(path, {})
    assert rasa.shared.utils.io.read_config_file(path) == {}


def test_wecom_on_slack_missing_token():
    config = channels_from_env({**REST_ENV, **WECOM_ENV, "SLACK_SIGNING_SECRET": "x"})
    assert config.summary() == "已启用渠道: rest, wecom; 未启用: slack (缺少 SLACK_TOKEN)"
    assert set(config.credentials) == {REST_KEY, WECOM_KEY}
    assert config.credentials[WECOM_KEY] == {
        "corp_id": "${WECOM_CORP_ID}", "agent_id": "${WECOM_AGENT_ID}", "secret": "${WECOM_SECRET}",
        "token": "${WECOM_TOKEN}", "aes_key": "${WECOM_AES_KEY}",
    }
    assert config.warnings == ["Slack 变量只设置了一部分"]


def test_all_channels_on():
    config = channels_from_env({**REST_ENV, **WECOM_ENV, **SLACK_ENV})
    assert config.enabled == ["rest", "wecom", "slack"]
    assert config.summary() == "已启用渠道: rest, wecom, slack; 未启用: 无"
    assert config.credentials[SLACK_KEY]["slack_token"] == "${SLACK_TOKEN}"


def test_empty_values_count_as_missing():
    env = {**WECOM_ENV, "WECOM_SECRET": "  ", **SLACK_ENV, "KEQING_REST_TOKEN": " "}
    config = channels_from_env(env)
    assert config.enabled == ["slack"]
    assert [c.describe() for c in config.disabled][0] == "rest (缺少 KEQING_REST_TOKEN)"
    config = channels_from_env({**WECOM_ENV, "WECOM_SECRET": "  ", **SLACK_ENV, **REST_ENV})
    assert [c.describe() for c in config.disabled] == ["wecom (缺少 WECOM_SECRET)"]


def test_malformed_wecom_values_warn():
    config = channels_from_env({**WECOM_ENV, "WECOM_AES_KEY": "short", "WECOM_AGENT_ID": "x"})
    assert "wecom" in config.enabled
    assert len(config.warnings) == 2


def test_written_file_holds_no_secret_and_rasa_substitutes(tmp_path, monkeypatch):
    path = tmp_path / "var" / "credentials.runtime.yml"
    env = {**WECOM_ENV, **SLACK_ENV, **REST_ENV}
    write_credentials(path, env)
    text = path.read_text(encoding="utf-8")
    assert "s3cret" not in text and "xoxb-1" not in text and "rest-secret" not in text
    assert yaml.safe_load(text)[WECOM_KEY]["secret"] == "${WECOM_SECRET}"

    import rasa.shared.utils.io

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    loaded = rasa.shared.utils.io.read_config_file(path)
    assert loaded[REST_KEY] == {"token": "rest-secret"}
    assert loaded[WECOM_KEY]["secret"] == "s3cret#with: yaml chars"
    assert loaded[WECOM_KEY]["agent_id"] == "1000002"
    assert loaded[SLACK_KEY] == {"slack_token": "xoxb-1", "slack_signing_secret": "sig", "use_threads": True}


def test_repository_credentials_yml_is_valid_for_rasa():
    import rasa.shared.utils.io

    loaded = rasa.shared.utils.io.read_config_file(ROOT / "credentials.yml")
    assert "rest" in loaded
    text = (ROOT / "credentials.yml").read_text(encoding="utf-8")
    for name in list(WECOM_ENV) + list(SLACK_ENV) + ["WECOM_API_BASE"]:
        assert name in text


def _run(argv, monkeypatch, env):
    for name in list(WECOM_ENV) + list(SLACK_ENV) + list(REST_ENV) + ["KEQING_API_TOKEN"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    channels_commands.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_command_writes_file_and_logs_summary(tmp_path, monkeypatch, caplog):
    path = tmp_path / "credentials.runtime.yml"
    with caplog.at_level(logging.INFO):
        assert _run(["channels", "--write", str(path)], monkeypatch,
                    {**REST_ENV, **WECOM_ENV, "SLACK_SIGNING_SECRET": "x"}) == 0
    assert "已启用渠道: rest, wecom; 未启用: slack (缺少 SLACK_TOKEN)" in caplog.text
    assert "HTTP API 已关闭 (未设置 KEQING_API_TOKEN)" in caplog.text
    assert WECOM_KEY in yaml.safe_load(path.read_text(encoding="utf-8"))


def test_command_prints_yaml_without_write(monkeypatch, capsys):
    assert _run(["channels"], monkeypatch, {}) == 0
    assert yaml.safe_load(capsys.readouterr().out) == {}


def test_command_through_keqing_cli(tmp_path, monkeypatch, caplog):
    from keqing import cli

    monkeypatch.setattr(cli, "COMMAND_MODULES", ["keqing.cli.channels"])
    for name in list(WECOM_ENV) + list(SLACK_ENV) + ["KEQING_API_TOKEN"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KEQING_REST_TOKEN", "rest-secret")
    path = tmp_path / "c.yml"
    with caplog.at_level(logging.INFO):
        assert cli.main(["channels", "--write", str(path)]) == 0
    assert "已启用渠道: rest; 未启用: wecom" in caplog.text
    assert path.exists()
