from django.db import models


class TestimonialStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    FEATURED = "featured", "Featured"
    ARCHIVED = "archived", "Archived"


PUBLISHED_STATUSES = (TestimonialStatus.APPROVED, TestimonialStatus.FEATURED)


class TestimonialSource(models.TextChoices):
    WEBSITE = "website", "Website"
    MOBILE_APP = "mobile_app", "Mobile app"
    EMAIL = "email", "Email"
    THIRD_PARTY = "third_party", "Third party"
    SOCIAL_MEDIA = "social_media", "Social media"
    OTHER = "other", "Other"


class MediaType(models.TextChoices):
    IMAGE = "image", "Image"
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio"
    DOCUMENT = "document", "Document"
