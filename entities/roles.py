"""The groups users are put in: what each role may change (Django model permissions). Which
legal entities a user may act in is a separate grant (``EntityGrant``)."""

from django.contrib.auth.models import Group, Permission

AR_CLERK = "AR clerk"
COLLECTIONS_MANAGER = "Collections manager"
INTEGRATOR = "Integrator"

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
        "entities": ["customer", "party", "partyaddress", "partycontact", "job"],
    },
    COLLECTIONS_MANAGER: {
        **_DOCUMENTS,
        "entities": ["customer", "job"],
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
        "entities": [
            "party",
            "customer",
            "exchangerate",
            "partyaddress",
            "partycontact",
            "job",
        ],
        "ledger": ["voucher"],
    },
}


def roles_sync(using: str = "default") -> None:
    """Create the role groups and give them their permissions (idempotent)."""
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
        group.permissions.add(*wanted)
