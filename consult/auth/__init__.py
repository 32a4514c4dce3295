"""Users, delegations, log-in sessions and API tokens."""
