"""What every channel says to a rep outside a dialogue turn: short Simplified Chinese, no technical detail."""
from __future__ import annotations

TOO_LONG_TEXT = "这条消息太长了({count} 字),请精简到 {limit} 字以内再发给我。"
SLOW_DOWN_TEXT = "消息发得有点快,请稍等几秒再发。"
BUSY_TEXT = "系统有点忙,你的消息已记下,恢复后马上回复你"
BUSY_RETRY_TEXT = "系统有点忙,请稍后再发一次。"  # REST: nothing is kept, the caller must resend
NOT_TEXT_TEXT = "目前只支持文字,请把客户的情况打字发给我。"


TOO_LARGE_TEXT = "这条消息太长了,请精简到 {limit} 字以内再发给我。"


def too_long(count: int, limit: int) -> str:
    return TOO_LONG_TEXT.format(count=count, limit=limit) if count else TOO_LARGE_TEXT.format(limit=limit)
