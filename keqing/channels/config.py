"""Which chat channels are on, decided from the environment (no Rasa imports).

`make server` runs `python -m keqing channels --write var/credentials.runtime.yml` and starts Rasa with
that file. The file only *names* the variables (`${WECOM_SECRET}`), Rasa substitutes their values when
it reads the credentials, so no secret is written to disk.

* `rest` (`channels.rest.KeqingRestInput`, POST /webhooks/rest/webhook) only when KEQING_REST_TOKEN is
  set, and then every request must carry `Authorization: Bearer <KEQING_REST_TOKEN>`;
* `channels.wecom.WeComInput` when all of WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN,
  WECOM_AES_KEY are set (WECOM_API_BASE is optional and read by the connector itself);
* `channels.slack.SlackInput` when SLACK_TOKEN and SLACK_SIGNING_SECRET are set (SLACK_API_BASE optional).

The HTTP API (`--enable-api`) is decided by scripts/server.sh from KEQING_API_TOKEN; `api_status` says so
in the same log.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

WECOM_VARS: Tuple[str, ...] = ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY")
SLACK_VARS: Tuple[str, ...] = ("SLACK_TOKEN", "SLACK_SIGNING_SECRET")

REST_KEY = "channels.rest.KeqingRestInput"
REST_VAR = "KEQING_REST_TOKEN"
API_VAR = "KEQING_API_TOKEN"
WECOM_KEY = "channels.wecom.WeComInput"
SLACK_KEY = "channels.slack.SlackInput"

# credentials key -> environment variable
WECOM_CREDENTIALS = {
    "corp_id": "WECOM_CORP_ID",
    "agent_id": "WECOM_AGENT_ID",
    "secret": "WECOM_SECRET",
    "token": "WECOM_TOKEN",
    "aes_key": "WECOM_AES_KEY",
}
SLACK_CREDENTIALS = {
    "slack_token": "SLACK_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
}


@dataclass(frozen=True)
class ChannelStatus:
    name: str
    enabled: bool
    missing: Tuple[str, ...] = ()
    warnings: Tuple[str, ...] = ()

    def describe(self) -> str:
        return f"{self.name} (缺少 {', '.join(self.missing)})" if self.missing else self.name


@dataclass
class ChannelsConfig:
    credentials: Dict[str, Any]
    channels: List[ChannelStatus] = field(default_factory=list)

    @property
    def enabled(self) -> List[str]:
        return [c.name for c in self.channels if c.enabled]

    @property
    def disabled(self) -> List[ChannelStatus]:
        return [c for c in self.channels if not c.enabled]

    @property
    def warnings(self) -> List[str]:
        return [w for c in self.channels for w in c.warnings]

    api_enabled: bool = False

    def summary(self) -> str:
        """E.g. "已启用渠道: wecom; 未启用: rest (缺少 KEQING_REST_TOKEN), slack (缺少 SLACK_TOKEN)"."""
        off = ", ".join(c.describe() for c in self.disabled) or "无"
        return f"已启用渠道: {', '.join(self.enabled) or '无'}; 未启用: {off}"

    def api_status(self) -> str:
        if self.api_enabled:
            return f"HTTP API 已开启: 每个请求都要带 {API_VAR} (?token=)"
        return f"HTTP API 已关闭 (未设置 {API_VAR}): 只提供渠道 webhook"

    def to_yaml(self) -> str:
        return render_credentials_yaml(self.credentials)


def _is_set(env: Mapping[str, str], name: str) -> bool:
    return bool(str(env.get(name) or "").strip())


def _missing(env: Mapping[str, str], names: Sequence[str]) -> Tuple[str, ...]:
    return tuple(name for name in names if not _is_set(env, name))


def _env_ref(name: str) -> str:
    return "${" + name + "}"


def _wecom_warnings(env: Mapping[str, str]) -> Tuple[str, ...]:
    warnings = []
    aes_key = str(env.get("WECOM_AES_KEY") or "").strip()
    if aes_key and len(aes_key) != 43:
        warnings.append("WECOM_AES_KEY 应为 43 个字符 (EncodingAESKey)")
    agent_id = str(env.get("WECOM_AGENT_ID") or "").strip()
    if agent_id and not agent_id.isdigit():
        warnings.append("WECOM_AGENT_ID 应为数字 (AgentId)")
    return tuple(warnings)


def channels_from_env(env: Optional[Mapping[str, str]] = None) -> ChannelsConfig:
    """The credentials mapping for `rasa run --credentials` and the status of every channel."""
    env = os.environ if env is None else env
    credentials: Dict[str, Any] = {}
    channels: List[ChannelStatus] = []
    if _is_set(env, REST_VAR):
        credentials[REST_KEY] = {"token": _env_ref(REST_VAR)}
        channels.append(ChannelStatus("rest", True))
    else:
        channels.append(ChannelStatus("rest", False, (REST_VAR,)))

    missing = _missing(env, WECOM_VARS)
    if not missing:
        credentials[WECOM_KEY] = {key: _env_ref(var) for key, var in WECOM_CREDENTIALS.items()}
        channels.append(ChannelStatus("wecom", True, warnings=_wecom_warnings(env)))
    else:
        partial = len(missing) < len(WECOM_VARS)
        warn = ("企业微信变量只设置了一部分",) if partial else ()
        channels.append(ChannelStatus("wecom", False, missing, warn))

    missing = _missing(env, SLACK_VARS)
    if not missing:
        slack: Dict[str, Any] = {key: _env_ref(var) for key, var in SLACK_CREDENTIALS.items()}
        slack["use_threads"] = True
        credentials[SLACK_KEY] = slack
        channels.append(ChannelStatus("slack", True))
    else:
        partial = len(missing) < len(SLACK_VARS)
        warn = ("Slack 变量只设置了一部分",) if partial else ()
        channels.append(ChannelStatus("slack", False, missing, warn))

    return ChannelsConfig(credentials, channels, api_enabled=_is_set(env, API_VAR))


def render_credentials_yaml(credentials: Mapping[str, Any]) -> str:
    """YAML for Rasa; `${VAR}` stays a plain scalar so that Rasa substitutes the environment variable."""
    lines = [
        "# Generated by `python -m keqing channels --write ...` from the environment; do not edit.",
        "# ${VAR} values are substituted by Rasa from the environment when it reads this file.",
    ]
    if not credentials:
        lines.append("{}  # no channel is on")
    for key, value in credentials.items():
        if not value:
            lines.append(f"{key}:")
            continue
        lines.append(f"{key}:")
        for sub, subvalue in value.items():
            if isinstance(subvalue, bool):
                rendered = "true" if subvalue else "false"
            else:
                rendered = str(subvalue)
            lines.append(f"  {sub}: {rendered}")
    return "\n".join(lines) + "\n"


def write_credentials(path: os.PathLike, env: Optional[Mapping[str, str]] = None) -> ChannelsConfig:
    config = channels_from_env(env)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(config.to_yaml(), encoding="utf-8")
    os.replace(tmp, target)
    return config
