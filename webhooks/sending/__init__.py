"""The dispatcher inside each django-q2 worker: claims endpoints, sends their deliveries
concurrently with httpx, signs them, retries on a schedule and records every attempt
(docs/architecture.md, "Sending")."""
