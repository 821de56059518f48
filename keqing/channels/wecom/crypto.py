"""The WeCom callback protocol: msg_signature, timestamp window, AES-256-CBC with the receiveid check (wechatpy).

As published by Tencent (加解密方案说明):
  msg_signature = sha1(sorted([token, timestamp, nonce, encrypt]) joined)
  encrypt = base64(AES-256-CBC(key=base64decode(EncodingAESKey + "="), iv=key[:16],
                   PKCS#7 to 32 bytes (random16 + len4 (big-endian) + msg + receiveid)))
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import struct
import time
from typing import (
    Any,
    Callable,
    Dict,
    Optional,
)

from keqing.channels.wecom.settings import TIMESTAMP_TOLERANCE, WeComConfigError

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- protocol


class CallbackRejected(Exception):
    """A callback request that must be refused with a 4xx status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason


def _sha1_signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _printable(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class CallbackCrypto:
    """Signature, timestamp and AES checks of WeCom callbacks, on top of wechatpy.

    wechatpy's `WeChatCrypto` derives and checks the key and provides the AES cipher; the decryption
    here is strict (strict base64, block length, PKCS#7 padding, length field, UTF-8, receiveid) so
    that corrupted input is refused with a precise reason instead of an arbitrary exception.
    """

    def __init__(
        self,
        token: str,
        aes_key: str,
        corp_id: str,
        timestamp_tolerance: Optional[int] = TIMESTAMP_TOLERANCE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto

        try:
            self._wechat = WeChatCrypto(token, aes_key, corp_id)
        except (AssertionError, binascii.Error, ValueError) as e:
            raise WeComConfigError(f"invalid EncodingAESKey: {e or 'wrong length'}") from None
        self._prp = PrpCrypto(self._wechat.key)
        self.token = token
        self.corp_id = corp_id
        self.timestamp_tolerance = timestamp_tolerance
        self.clock = clock

    @property
    def wechat_crypto(self) -> Any:
        """The underlying `wechatpy.enterprise.crypto.WeChatCrypto`."""
        return self._wechat

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return _sha1_signature(self.token, timestamp, nonce, encrypt)

    def check_timestamp(self, timestamp: Optional[str]) -> None:
        if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
            raise CallbackRejected(400, f"malformed timestamp {_printable(timestamp)}")
        if self.timestamp_tolerance is None:
            return
        skew = abs(self.clock() - int(timestamp))
        if skew > self.timestamp_tolerance:
            raise CallbackRejected(
                403, f"expired timestamp {timestamp} ({int(skew)} s off, tolerance {self.timestamp_tolerance} s)"
            )

    def check_signature(self, signature: Optional[str], timestamp: str, nonce: str, encrypt: str) -> None:
        if not signature:
            raise CallbackRejected(400, "missing msg_signature")
        expected = self.signature(timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected.encode("ascii"), str(signature).lower().encode("utf-8", "replace")):
            raise CallbackRejected(403, "msg_signature does not match (forged request or wrong WECOM_TOKEN)")

    def decrypt(self, encrypt: str) -> str:
        """Decrypt an `Encrypt`/`echostr` value; the receiveid must be our corp id."""
        try:
            raw = base64.b64decode(encrypt.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise CallbackRejected(400, "ciphertext is not valid base64") from None
        if not raw:
            raise CallbackRejected(400, "empty ciphertext")
        if len(raw) % 32:
            raise CallbackRejected(400, f"ciphertext length {len(raw)} is not a multiple of 32 bytes")
        plain = self._prp.cipher.decrypt(raw)
        pad = plain[-1]
        if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
            raise CallbackRejected(400, "corrupted ciphertext (bad PKCS#7 padding)")
        content = plain[16:-pad]
        if len(content) < 4:
            raise CallbackRejected(400, "corrupted ciphertext (too short)")
        (length,) = struct.unpack(">I", content[:4])
        if 4 + length > len(content):
            raise CallbackRejected(400, "corrupted ciphertext (bad length field)")
        try:
            message = content[4 : 4 + length].decode("utf-8")
            receive_id = content[4 + length :].decode("utf-8")
        except UnicodeDecodeError:
            raise CallbackRejected(400, "corrupted ciphertext (not UTF-8)") from None
        if not hmac.compare_digest(receive_id.encode("utf-8"), self.corp_id.encode("utf-8")):
            raise CallbackRejected(
                403, f"receiveid {_printable(receive_id)} is not WECOM_CORP_ID (wrong corp id)"
            )
        return message

    def verify_url(self, msg_signature: Optional[str], timestamp: Optional[str], nonce: Optional[str],
                   echostr: Optional[str]) -> str:
        """URL verification (GET): returns the plaintext to answer with."""
        if not echostr or nonce is None:
            raise CallbackRejected(400, "missing echostr/nonce")
        # A literal '+' in a query string decodes to a space; base64 never contains spaces.
        echostr = echostr.replace(" ", "+")
        self.check_timestamp(timestamp)
        self.check_signature(msg_signature, timestamp, nonce, echostr)  # type: ignore[arg-type]
        return self.decrypt(echostr)

    def decrypt_body(self, msg_signature: Optional[str], timestamp: Optional[str], nonce: Optional[str],
                     body: bytes) -> str:
        """A message callback (POST): returns the decrypted plaintext XML."""
        if nonce is None:
            raise CallbackRejected(400, "missing nonce")
        self.check_timestamp(timestamp)
        envelope = parse_xml(body, what="callback body")
        encrypt = envelope.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt.strip():
            raise CallbackRejected(400, "callback body has no <Encrypt>")
        encrypt = encrypt.strip()
        self.check_signature(msg_signature, timestamp, nonce, encrypt)  # type: ignore[arg-type]
        return self.decrypt(encrypt)

    def encrypt_message(self, xml: str, nonce: str, timestamp: Optional[str] = None) -> str:
        """An encrypted envelope as WeCom sends it (wechatpy); handy for tools and tests."""
        return self._wechat.encrypt_message(xml, nonce, timestamp)


def parse_xml(data: Any, what: str = "XML") -> Dict[str, Any]:
    """Parse `<xml>...</xml>` into a dict; entities are disabled. Raises CallbackRejected(400)."""
    from xml.parsers.expat import ExpatError

    import xmltodict

    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise CallbackRejected(400, f"{what} is not UTF-8") from None
    if not data or not data.strip():
        raise CallbackRejected(400, f"empty {what}")
    try:
        parsed = xmltodict.parse(data, disable_entities=True)
    except (ExpatError, ValueError) as e:
        raise CallbackRejected(400, f"malformed {what} (truncated?): {e}") from None
    root = parsed.get("xml") if isinstance(parsed, dict) else None
    if not isinstance(root, dict):
        raise CallbackRejected(400, f"{what} has no <xml> root")
    return root
