from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "drillops.departments"
    label = "departments"
    verbose_name = _("Departments")

    def ready(self) -> None:
        # The admin (in core, which imports no app) scopes administrators to their memberships.
        from drillops.core.admin import set_scope
        from drillops.departments.selectors import organisation_ids_of

        set_scope(organisation_ids_of)
