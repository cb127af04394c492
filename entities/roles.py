"""The groups users are put in: what each role may change (Django model permissions). Which
legal entities a user may act in is a separate grant (``EntityGrant``)."""

from django.contrib.auth.models import Group, Permission

AR_CLERK = "AR clerk"
COLLECTIONS_MANAGER = "Collections manager"
INTEGRATOR = "Integrator"
GROUP_DATA_STEWARD = "Group data steward"

# Data shared by the whole group (parties, their contacts and addresses, exchange rates) is
# changed by a steward, a role granted per user and not per legal entity. Without it, a party may
# be changed only by a user granted every legal entity where it has a customer account.
GROUP_DATA_PERMISSION = "entities.manage_group_data"

# app_label → models whose add/change permissions the role has. Unknown models are skipped, so
# the map can name models of apps that come later.
_DOCUMENTS = {
    "receivables": [
        "invoice",
        "creditnote",
        "payment",
        "recurringinvoicetemplate",
        "recurringinvoiceassignment",
        "interestnote",
    ],
    "settlement": ["settlement"],
}
ROLES: dict[str, dict[str, list[str]]] = {
    AR_CLERK: {
        **_DOCUMENTS,
        "entities": ["customer", "party", "partyaddress", "partycontact"],
        "core": ["job"],
    },
    COLLECTIONS_MANAGER: {
        **_DOCUMENTS,
        "entities": ["customer"],
        "core": ["job"],
        "collections_app": [
            "activity",
            "dispute",
            "collectionletter",
            "writeoff",
            "customerpool",
        ],
    },
    INTEGRATOR: {
        **_DOCUMENTS,
        "entities": ["party", "customer", "partyaddress", "partycontact"],
        "core": ["job"],
        # Integrators posting historical documents open those fiscal years first.
        "ledger": ["voucher", "fiscalperiod"],
    },
    GROUP_DATA_STEWARD: {
        "entities": ["party", "partyaddress", "partycontact", "exchangerate"],
    },
}
# Permissions a role has beyond add/change/view of its models.
_EXTRA: dict[str, list[str]] = {GROUP_DATA_STEWARD: [GROUP_DATA_PERMISSION]}


def roles_sync(using: str = "default") -> None:
    """Create the role groups and give them exactly their permissions (idempotent: a permission
    a role no longer has is taken away)."""
    for role, apps in ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = []
        for app_label, models in apps.items():
            codenames = [f"{action}_{m}" for m in models for action in ("add", "change", "view")]
            wanted += list(
                Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
        for dotted in _EXTRA.get(role, []):
            app_label, codename = dotted.split(".")
            wanted += list(
                Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
