from django.urls import path

from . import views

app_name = "marketplace"

urlpatterns = [
    path("cars/", views.BrowseView.as_view(), name="browse"),
]
