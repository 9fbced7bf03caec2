"""The demo's accounts: one per role, with a published password (DEMO ONLY)."""

from __future__ import annotations

from cuakhau.domain.accounts import Role
from cuakhau.services import accounts
from cuakhau.services.context import ServiceContext

#: DEMO ONLY — accounts with a published password, one per role, created by ``cuakhau demo``. Never seed these
#: into a real database: anyone who has read this file can log in with them.
DEMO_PASSWORD = "cuakhau-demo-2026"
DEMO_GATE = "vn-huu-nghi"
DEMO_ACCOUNTS: tuple[tuple[str, Role], ...] = (
    ("demo-exporter", Role.EXPORTER),
    ("demo-driver", Role.DRIVER),
    ("demo-customs", Role.CUSTOMS_OFFICER),
    ("demo-quarantine", Role.QUARANTINE_OFFICER),
    ("demo-border-guard", Role.BORDER_GUARD),
    ("demo-gate-admin", Role.GATE_ADMIN),
    ("demo-counterpart", Role.COUNTERPART),
    ("demo-admin", Role.SYSTEM_ADMIN),
)


def seed_demo_accounts(ctx: ServiceContext, *, exporter_id: str, driver_id: str) -> None:
    """One account per role (DEMO ONLY, password :data:`DEMO_PASSWORD`): the exporter and the driver belong to
    the first demo exporter, the officers, the gate administrator and the counterpart work at Hữu Nghị."""
    for username, role in DEMO_ACCOUNTS:
        accounts.create_account(
            ctx.uow(),
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            enterprise_id=exporter_id if role in {Role.EXPORTER, Role.DRIVER} else None,
            driver_id=driver_id if role is Role.DRIVER else None,
            gate_codes=(DEMO_GATE,) if role not in {Role.EXPORTER, Role.DRIVER, Role.SYSTEM_ADMIN} else (),
            clock=ctx.clock,
        )
