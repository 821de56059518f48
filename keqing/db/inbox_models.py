"""The channels' durable inbox and outbox (revision 0005).

A WeCom or Slack message is a `channel_inbox` row before the channel answers 200; the worker runs the
turn, stores the reply parts as `channel_outbox` rows, sends them in order and marks the message done. Each part is
marked *before* its send (`send_attempts`, `attempted_at`, revision 0007) and again once sent (`sent_at`):
a part with attempts but no `sent_at` is ambiguous (the process stopped or the call failed after the
request left; the channel may have delivered it). Done messages keep only their key (to recognise a late redelivery): text and
reply parts are cleared. A sent part keeps its `content_hash` (SHA-256 of the part, revision 0008) and `sent_at`
for the longest duplicate-check window (4 hours), without its payload: the worker asks whether the same
content already reached the rep within WeCom's window (keqing.channels.inbox.worker). Times are naive UTC.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint

from keqing.db.base import Base

PENDING = "pending"  # accepted, the turn has not run
ANSWERED = "answered"  # reply parts stored, some not sent yet
DONE = "done"
FAILED = "failed"  # given up (a reply the channel refuses for good); logged
OPEN_STATES = (PENDING, ANSWERED)


class InboxMessage(Base):
    __tablename__ = "channel_inbox"
    __table_args__ = (
        UniqueConstraint("channel", "message_key", name="uq_channel_inbox_channel_key"),
        Index("ix_channel_inbox_rep_status", "channel", "rep", "status"),
    )

    id = Column(Integer, primary_key=True)
    channel = Column(String(20), nullable=False)
    rep = Column(String(200), nullable=False)  # the sender as the channel verified it
    message_key = Column(String(200), nullable=False)  # the channel's id of the delivery (MsgId, event_id)
    text = Column(Text, nullable=False, default="")
    payload = Column(JSON, nullable=False)  # what the channel needs to run the turn and to reply
    status = Column(String(20), nullable=False, default=PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    busy_notified = Column(Boolean, nullable=False, default=False)
    last_error = Column(Text, nullable=True)
    started_at = Column(DateTime, nullable=True)  # a worker began the turn (set again by a takeover)
    created_at = Column(DateTime, nullable=False, index=True)
    updated_at = Column(DateTime, nullable=False)


class RepLease(Base):
    """Which process answers a rep's messages right now; several replicas share one inbox.

    A worker holds the lease while it works on the rep and renews it; a lease left by a dead process
    expires and the next sweep on any replica takes the rep over.
    """

    __tablename__ = "channel_rep_lease"

    channel = Column(String(20), primary_key=True)
    rep = Column(String(200), primary_key=True)
    owner = Column(String(100), nullable=False)
    expires_at = Column(DateTime, nullable=False)


class OutboxPart(Base):
    __tablename__ = "channel_outbox"
    __table_args__ = (UniqueConstraint("inbox_id", "position", name="uq_channel_outbox_inbox_position"),)

    id = Column(Integer, primary_key=True)
    inbox_id = Column(Integer, ForeignKey("channel_inbox.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    payload = Column(JSON, nullable=False)  # one message as the channel sends it
    sent_at = Column(DateTime, nullable=True)
    # set before each send: attempts without `sent_at` mean the part may already have been delivered
    send_attempts = Column(Integer, nullable=False, default=0, server_default="0")
    attempted_at = Column(DateTime, nullable=True)
    # SHA-256 of the payload as stored (`keqing.channels.inbox.store.content_hash`); outlives the payload
    content_hash = Column(String(64), nullable=True, index=True)
