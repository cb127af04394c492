from django.urls import path

from . import views

urlpatterns = [
    path("collections/aging/", views.aging, name="aging"),
]
