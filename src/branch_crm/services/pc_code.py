"""This PC's code in the numbers it makes (complaint numbers, survey serials): the one head
office assigned at registration, else a provisional one derived from the node id (see
:mod:`branch_crm.sync.pc_codes`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.errors import ValidationError
from branch_crm.i18n import _
from branch_crm.models import SyncState
from branch_crm.sync.pc_codes import code_index, is_pc_code, provisional_code


def this_pc_code(session: Session) -> str:
    """The code this PC puts in the numbers it makes now."""
    row = session.execute(select(SyncState.pc_code, SyncState.node_id).where(SyncState.id == 1))
    found = row.first()
    if found is None:  # a database without sync tables: nothing to tell PCs apart by
        return provisional_code("")
    pc_code, node_id = found
    return pc_code if pc_code and is_pc_code(pc_code) else provisional_code(node_id)


def serial_pc_code(session: Session) -> str:
    """The code this PC puts in survey serials; refuses (ValidationError) to give one while
    it could clash with another PC's.

    Paper cannot be renumbered: once a serial is printed it must be this form's for good. A PC
    with a code from head office is safe (codes are unique in a branch). A PC that works
    alone (never set up for head office, no ``hq_url``) uses its provisional code: there is no
    other PC whose serials could meet its own. A PC set up for head office but without a code
    yet (registration not finished, or registered before PC codes existed and not synced
    since) is refused: two such PCs of a branch share a provisional code with a chance of
    1 in 192, so it prints once one sync round has brought its code.
    """
    row = session.execute(
        select(SyncState.pc_code, SyncState.node_id, SyncState.hq_url).where(SyncState.id == 1)
    ).first()
    if row is None:
        return provisional_code("")
    pc_code, node_id, hq_url = row
    if pc_code and code_index(pc_code) is not None:
        return str(pc_code)
    if hq_url:
        message = _(
            "This PC has no PC code from head office yet, so its survey serials could clash "
            "with another PC's. Sync once (it brings the code), then print again."
        )
        raise ValidationError({"pc_code": message}, message)
    return provisional_code(node_id)
