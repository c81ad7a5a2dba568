from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo insurer's joint drill (`manage.py seed_demo`). Loads data only through the services."""

    name = "drillops.demo"
    label = "demo"
    verbose_name = _("Demo data")
