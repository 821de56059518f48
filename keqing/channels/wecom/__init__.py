"""WeChat Work (企业微信) channel logic, free of Rasa; `channels/wecom.py` is the thin Rasa adapter.

- `settings`  WeComSettings from credentials and WECOM_* variables, limits;
- `crypto`    callback signature, timestamp window and AES (wechatpy);
- `inbound`   one callback -> verified, decrypted, de-duplicated `Inbound`;
- `render`    bot messages -> WeCom messages (numbered options, split by bytes);
- `dialogue`  per-user state: numbered options -> payloads, welcome throttling;
- `sender`    the message API client.
"""
from keqing.channels.state import TTLCache  # noqa: F401
from keqing.channels.wecom.crypto import (  # noqa: F401
    CallbackCrypto,
    CallbackRejected,
    parse_xml,
)
from keqing.channels.wecom.dialogue import WeComDialogue  # noqa: F401
from keqing.channels.wecom.inbound import (  # noqa: F401
    Inbound,
    WeComCallback,
    inbound_from,
    inbound_payload,
    parse_inbound,
)
from keqing.channels.wecom.render import (  # noqa: F401
    Button,
    Outgoing,
    Rendered,
    markdown_to_text,
    normalise_answer,
    number_of,
    option_line,
    render_bot_messages,
    render_fixed,
    split_by_bytes,
    utf8_len,
)
from keqing.channels.wecom.sender import (  # noqa: F401
    WeComSender,
    WeComSendError,
    describe_error,
    is_retryable,
    make_client,
)
from keqing.channels.wecom.settings import (  # noqa: F401
    BUTTONS_MAX_USERS,
    BUTTONS_TTL,
    DEDUP_MAX_ENTRIES,
    DEDUP_TTL,
    DEFAULT_API_BASE,
    ENV_VARS,
    ERROR_HINTS,
    MAX_BODY_BYTES,
    MESSAGE_MAX_BYTES,
    MSGTYPES,
    NON_TEXT_TYPES,
    REQUIRED,
    TIMESTAMP_TOLERANCE,
    UNSUPPORTED_TEXT,
    WELCOME_EVENTS,
    WELCOME_INTERVAL,
    WELCOME_TEXT,
    WeComConfigError,
    WeComSettings,
)
