"""The testimonial lifecycle signals.

Each is sent once per real change, from inside the database transaction that made it,
whatever the path (lifecycle method, admin form, admin bulk action, a plain ``save()``).
A save that changes nothing sends nothing. ``sender`` is the model class; every
testimonial signal also carries ``user`` (who made the change, or ``None``).

=========================  ===========================================  ================
signal                     sent when                                    arguments
=========================  ===========================================  ================
testimonial_created        a testimonial row is created                 instance
testimonial_approved       status changes to approved                   instance
testimonial_rejected       status changes to rejected                   instance, reason
testimonial_featured       status changes to featured                   instance
testimonial_archived       status changes to archived                   instance
testimonial_responded      a non-empty response is added or changed     instance, response
testimonial_media_added    a media row is created (sender: media model)  instance
=========================  ===========================================  ================

A testimonial created directly in a non-pending status sends ``testimonial_created`` and
then that status's signal, so a receiver listening only for approvals misses nothing.
"""

from django.dispatch import Signal

testimonial_created = Signal()
testimonial_approved = Signal()
testimonial_rejected = Signal()
testimonial_featured = Signal()
testimonial_archived = Signal()
testimonial_responded = Signal()
testimonial_media_added = Signal()
