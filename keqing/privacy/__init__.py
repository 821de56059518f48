"""A rep's personal data on request (个人信息保护法): export, erase, and the retention purge.

Where a rep's data lives (docs/security.md):
* the tracker store (`events`, keyed by sender id): every message and reply;
* the customer memory (`mem_*`, keyed by rep = (channel, sender)): customers, assessments with the
  message they came from, corrections, notes, reminders ...;
* the channels' inbox (`channel_inbox` / `channel_outbox`): messages not answered yet, keys of answered ones;
* the inbox spool file, while the database was down;
* harvested training/review files: pseudonymised examples tagged with a hash of the sender id.
"""
from keqing.privacy.rep_data import (  # noqa: F401
    RepLocation,
    conversation_tag,
    erase_rep,
    export_rep,
    purge,
)
