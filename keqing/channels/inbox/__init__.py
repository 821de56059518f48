"""Nothing accepted is lost: the durable inbox, its local spool for when the database is down, and the worker.

- `store`   `Inbox`: accept (idempotent per delivery), next message per rep, reply parts, done;
- `spool`   `Spool`: an fsync'ed JSON-lines file that holds accepted messages while the database is down;
- `worker`  `InboxWorker`: per rep, in order: run the turn, store the parts, send each once, mark done;
- `sending` tenacity retry policies for the channels' reply senders.
"""
from keqing.channels.inbox.spool import Spool  # noqa: F401
from keqing.channels.inbox.store import Inbox, InboxItem, Part  # noqa: F401
from keqing.channels.inbox.worker import InboxWorker, TurnHandler, Unavailable  # noqa: F401
