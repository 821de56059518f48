"""Customer memory: each rep's customers, their profiles, stage history, playbook positions and notes.

    from keqing.customers import CustomerMemory, Customer
"""
from keqing.customers.memory import CustomerMemory
from keqing.customers.people import ROLES, Relation, Signal
from keqing.customers.records import (
    Correction,
    Customer,
    CustomerRef,
    DimensionValue,
    NextAction,
    Note,
    PlaybookPosition,
    Profile,
    StageChange,
    StageEntry,
    UnknownCustomer,
)

__all__ = [
    "Correction", "Customer", "CustomerMemory", "CustomerRef", "DimensionValue", "NextAction", "Note",
    "PlaybookPosition", "Profile", "ROLES", "Relation", "Signal", "StageChange", "StageEntry", "UnknownCustomer",
]
