"""How an event is recorded for delivery, inside the transaction of the change that
caused it: ``receivers`` turn the declared signals into ``payloads``, ``outbox`` stores the
event with one delivery per subscribed endpoint. ``operational`` publishes the service's
own events; ``pings`` the test event; ``preview`` shows what an endpoint would receive."""
