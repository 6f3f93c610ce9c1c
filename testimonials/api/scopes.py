"""The testimonials' API scopes, registered with the shared API app."""

from __future__ import annotations

from http_api.scopes import register

TESTIMONIALS_READ = register(
    "testimonials:read",
    "list and read testimonials and categories",
    ("testimonials.view_testimonial",),
)
TESTIMONIALS_WRITE = register(
    "testimonials:write",
    "submit, edit and delete testimonials and categories, add media",
    ("testimonials.add_testimonial", "testimonials.change_testimonial"),
)
# The admin's moderation actions (approve, reject, feature, archive) need this permission.
TESTIMONIALS_MODERATE = register(
    "testimonials:moderate",
    "approve, reject, feature, archive and respond to testimonials",
    ("testimonials.change_testimonial",),
)
