"""The subscriber portal (SPEC §11): server-rendered pages where a receiving team manages
its own endpoints, reads their deliveries and replays them, entered with a portal link.
Every action calls the domain operations the admin, the API and the commands call."""
