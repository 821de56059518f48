"""The services a dialogue step uses and the customer it is about.

`Step` binds one `Turn` to the knowledge base and this rep's customer memory; handlers in this package
take a `Step` and return an `Outcome`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from keqing.customers import Customer, CustomerMemory, Profile
from keqing.dialogue.turn import PROFILE_SLOTS, Outcome, Turn, profile_slots
from keqing.kb.query import KnowledgeBase


@dataclass(frozen=True)
class Services:
    kb: KnowledgeBase
    memory: CustomerMemory


@dataclass
class Subject:
    """The customer a step is about."""

    name: Optional[str]  # as shown to the rep
    customer: Optional[Customer]  # the memory record, None when the rep never named them
    values: Dict[str, Any] = field(default_factory=dict)  # style/motive/grade/stage/share
    profile: Optional[Profile] = None
    switched: bool = False  # another customer than the `customer` slot


@dataclass
class Step:
    turn: Turn
    services: Services
    out: Outcome = field(default_factory=Outcome)

    @property
    def kb(self) -> KnowledgeBase:
        return self.services.kb

    @property
    def memory(self) -> CustomerMemory:
        return self.services.memory

    @property
    def channel(self) -> str:
        return self.turn.channel

    @property
    def sender(self) -> str:
        return self.turn.sender

    @property
    def text(self) -> str:
        return self.turn.text

    # -- customers -------------------------------------------------------------------------
    def get_customer(self, name: str) -> Optional[Customer]:
        return self.memory.get_customer(self.channel, self.sender, name)

    def find_customer(self, text: str) -> Optional[Customer]:
        return self.memory.find_customer(self.channel, self.sender, text)

    def get_or_create_customer(self, name: str) -> Customer:
        return self.memory.get_or_create_customer(self.channel, self.sender, name)

    def profile_of(self, customer: Customer) -> Optional[Profile]:
        return self.memory.profile(self.channel, self.sender, customer)

    def subject(self) -> Subject:
        """The customer this message is about: a named customer (entity, or a known name in the text),
        else the `customer` slot. A name the memory does not know yet gives an empty subject."""
        current = self.turn.slot("customer")
        named = self.turn.entity("customer")
        customer = self.get_customer(named) if named else None
        if customer is None and self.text:
            customer = self.find_customer(self.text)
        if customer is None and not named and current:
            customer = self.get_customer(str(current))
            if customer is None:  # a name the rep gave that has no record yet: what the slots say
                return Subject(str(current), None, self.turn.slot_values())
        if customer is not None:
            return self.subject_of(customer, switched=customer.display_name != current)
        if named:
            return Subject(named, None, {}, switched=named != current)
        return Subject(None, None, self.turn.slot_values())

    def subject_of(self, customer: Customer, switched: bool = False) -> Subject:
        profile = self.profile_of(customer)
        values = {dim: profile.get(dim) for dim in PROFILE_SLOTS} if profile else {}
        values = {k: v for k, v in values.items() if v is not None}
        return Subject(customer.display_name, customer, values, profile, switched)

    def sync(self, subject: Subject) -> Outcome:
        """Make the slots show `subject` (when it is a known or a newly named customer) and finish."""
        if subject.customer is not None or subject.switched:
            self.out.set_slots(profile_slots(subject.name, subject.values))
        return self.out
