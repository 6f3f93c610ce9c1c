"""Delivery health as people read it: the hourly figures and the charts drawn from them,
shared by the admin's overview and the subscriber portal."""
