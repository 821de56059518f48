"""The rep's customers: switch, list, rename, delete; yes/no answers; notes and what is not supported (adapters)."""
from __future__ import annotations

from actions.base import KeqingAction
from keqing.dialogue import customers, followups, manage


class ActionSwitchCustomer(KeqingAction):
    handler = staticmethod(customers.switch_customer)

    def name(self) -> str:
        return "action_switch_customer"


class ActionListCustomers(KeqingAction):
    handler = staticmethod(customers.list_customers)

    def name(self) -> str:
        return "action_list_customers"


class ActionRenameCustomer(KeqingAction):
    handler = staticmethod(manage.rename)

    def name(self) -> str:
        return "action_rename_customer"


class ActionDeleteCustomer(KeqingAction):
    handler = staticmethod(manage.delete)

    def name(self) -> str:
        return "action_delete_customer"


class ActionConfirm(KeqingAction):
    handler = staticmethod(manage.confirm)

    def name(self) -> str:
        return "action_confirm"


class ActionStop(KeqingAction):
    handler = staticmethod(manage.stop)

    def name(self) -> str:
        return "action_stop"


class ActionNote(KeqingAction):
    handler = staticmethod(followups.note)

    def name(self) -> str:
        return "action_note"


class ActionUnsupported(KeqingAction):
    handler = staticmethod(followups.unsupported)

    def name(self) -> str:
        return "action_unsupported"


class ActionRephrase(KeqingAction):
    handler = staticmethod(customers.rephrase)

    def name(self) -> str:
        return "action_rephrase"
