pytest_plugins = ["tests.servers.fixtures"]

# Shared set-up: the local protocol servers' fixtures live in tests/servers.
