"""The team sync: the team database, the relay and its outbox, the farm mirror."""
