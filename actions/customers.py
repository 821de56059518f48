"""The rep's customers: switch between them and list them (adapters)."""
from __future__ import annotations

from actions.base import KeqingAction
from keqing.dialogue import customers


class ActionSwitchCustomer(KeqingAction):
    handler = staticmethod(customers.switch_customer)

    def name(self) -> str:
        return "action_switch_customer"


class ActionListCustomers(KeqingAction):
    handler = staticmethod(customers.list_customers)

    def name(self) -> str:
        return "action_list_customers"
