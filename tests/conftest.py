pytest_plugins = ["tests.fakes.fixtures"]

# Shared set-up: the local protocol servers' fixtures live in tests/fakes.
