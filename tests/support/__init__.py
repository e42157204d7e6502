"""What the tests share: drivers, emulators, fakes, servers."""
