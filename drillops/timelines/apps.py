from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelinesConfig(AppConfig):
    name = "drillops.timelines"
    label = "timelines"
    verbose_name = _("Timelines")

    def ready(self) -> None:
        # core cannot import this app, so the app registers its own health check.
        from drillops.core.health import register_check
        from drillops.timelines.engine.dispatcher import check_dispatcher
        from drillops.timelines.engine.outbox import check_outbox

        register_check("dispatcher", check_dispatcher)
        register_check("outbox", check_outbox)
