"""`python -m keqing harvest`: turn new conversations in Rasa's SQL tracker store into training data.
Reads the tracker store's `events` table (Rasa's SQLTrackerStore schema: id, sender_id, type_name,
timestamp, intent_name, action_name, data = the event as JSON) with SQLAlchemy, starting after the
watermark stored for that tracker store in the KEQING_DB_URL database (table `harvest_watermarks`,
Alembic revision 0003), and appends

- to `data/harvested/nlu.yml`: describe_customer examples the reps labelled themselves
  - *confirmed*: the bot diagnosed a description, the rep went on (ask_next_step / ask_strategy /
    affirm) and did not correct it: the profile's evidence spans are annotated with the predicted values;
  - *corrected*: the rep corrected the diagnosis (correct_profile; the new value is in that message's
    `customer_profile`, or in the slots the correction action set): the original description is
    annotated with the corrected value where its cue is known (the correction's evidence, or a cue of
    the corrected value from the knowledge base's lexicon, found un-negated in the description); the
    spans the model read as the rejected value are dropped;
- to `review/pending.yml`: messages for a person to label, each with what the model predicted:
  low intent or profile confidence, fallbacks, and corrected descriptions whose cue for the corrected
  value is not in the text.

Both files are Rasa NLU training data (`version: "3.1"`, examples with `metadata`), so they pass
`rasa data validate` with the project's domain; pending.yml lives outside data/ and is not trained
on until a person has labelled the examples and moved them.

Before anything is written, texts (and every string in the metadata) are masked (`keqing.learn.masking`);
annotation spans are computed on the masked text. Examples whose text (normalised, punctuation
ignored) is already in data/, in pending.yml or in the held-out evaluation set (tests/nlu) are left
out. A description is decided only when its scope is closed (the rep's next description,
switch_customer, a new session, or `settle_seconds` without a message from that rep); the watermark
never passes an undecided description nor events younger than `grace_seconds`, so nothing is lost and
a rescan writes nothing twice.

No Rasa import: this runs without loading TensorFlow.
"""
from keqing.learn.harvest.conversation import (  # noqa: F401
    DEFAULT_HELDOUT_DIR,
    DEFAULT_NLU_DIR,
    DEFAULT_REVIEW_PATH,
    HARVESTED_NAME,
)
from keqing.learn.harvest.run import HarvestError, HarvestResult, harvest  # noqa: F401
from keqing.learn.harvest.spans import Span, plain_text, render_example  # noqa: F401
from keqing.learn.harvest.tracker import EVENTS  # noqa: F401
from keqing.learn.harvest.writing import nlu_examples  # noqa: F401
