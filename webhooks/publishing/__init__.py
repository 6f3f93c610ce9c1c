"""The publishing side: what an event is (the registry in ``events``, its payload, its
catalogue entry) and how it is recorded for delivery, inside the transaction of the change
that caused it (``receivers`` → ``outbox``). ``operational`` publishes the service's own
events; ``pings`` the test event; ``preview`` shows what an endpoint would receive."""
