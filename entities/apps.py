from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "entities"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from core.access import access_check_register
        from core.roles import (
            AR_CLERK,
            COLLECTIONS_MANAGER,
            GROUP_DATA_STEWARD,
            INTEGRATOR,
            role_models_register,
            role_permissions_register,
        )

        from .selectors import GROUP_DATA_PERMISSION
        from .services import ensure_can_act
        from .views import user_language_to_session

        access_check_register(ensure_can_act)
        user_logged_in.connect(user_language_to_session, dispatch_uid="entities.user_language")

        party = ["party", "partyaddress", "partycontact", "partybankaccount"]
        role_models_register(roles=[AR_CLERK, INTEGRATOR], app_label="entities", models=party)
        role_models_register(
            roles=[AR_CLERK, COLLECTIONS_MANAGER, INTEGRATOR],
            app_label="entities",
            models=["customer"],
        )
        # Data shared by the whole group (parties, their contacts and addresses, exchange rates)
        # is changed by a steward, a role granted per user and not per legal entity.
        role_models_register(
            roles=[GROUP_DATA_STEWARD], app_label="entities", models=[*party, "exchangerate"]
        )
        role_permissions_register(roles=[GROUP_DATA_STEWARD], permissions=[GROUP_DATA_PERMISSION])
