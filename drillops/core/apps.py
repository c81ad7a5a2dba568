from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "drillops.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # django.contrib.admin comes first in INSTALLED_APPS, so every admin module is loaded by now.
        from django.contrib import admin

        from drillops.core.admin import guard_registry

        guard_registry(admin.site)
