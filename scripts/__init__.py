"""Developer and CI tooling: bootstrap, embedded services, the make run supervisor."""
