from tests.api.conftest import client_as, fast_passwords, world  # noqa: F401  - the shared API world
