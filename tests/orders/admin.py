from django.contrib import admin

from tests.orders.models import Order

admin.site.register(Order)
