import pytest

pytestmark = pytest.mark.e2e


def test_the_daemon_connects_and_stops_cleanly(daemon, emulator):
    assert emulator.connections
    assert [c.method for c in emulator.calls][:2] == ["auth.test", "apps.connections.open"]
    assert daemon.stop() == 0
    assert daemon.events("klaxon_stopped")
