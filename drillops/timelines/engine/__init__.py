"""The timing engine: PostgreSQL is the clock. The dispatcher loop claims due rows, delivery marks
them delivered once, escalation fires due steps, the outbox carries side effects after commit.

The engine never imports the services (they import it): clock-driven writes (delivery, escalation,
a scheduled start) live here, person-driven ones in timelines.services."""
