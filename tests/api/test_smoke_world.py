from .world import World


def test_world_builds_with_delivered_injects(world: World) -> None:
    world.inject.refresh_from_db()
    assert world.inject.delivered_at is not None
    assert world.drill.state == "running"
