"""The wire contract shared by every E-Kinerja service and the gateway.

Only shapes that cross the bus (event envelope and payloads, RPC errors) and
the plumbing every service uses the same way (config, outbox relay, inbox,
dead-letter handling). Business rules live in the services, never here.
"""
