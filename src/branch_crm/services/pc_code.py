"""This PC's code in the numbers it makes (complaint numbers, survey serials): the one head
office assigned at registration, else a provisional one derived from the node id (see
:mod:`branch_crm.sync.pc_codes`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.models import SyncState
from branch_crm.sync.pc_codes import is_pc_code, provisional_code


def this_pc_code(session: Session) -> str:
    """The code this PC puts in the numbers it makes now."""
    row = session.execute(select(SyncState.pc_code, SyncState.node_id).where(SyncState.id == 1))
    found = row.first()
    if found is None:  # a database without sync tables: nothing to tell PCs apart by
        return provisional_code("")
    pc_code, node_id = found
    return pc_code if pc_code and is_pc_code(pc_code) else provisional_code(node_id)
