from django.urls import path

from . import views

app_name = "warranty"

urlpatterns = [
    path("my-cars/", views.MyCarsView.as_view(), name="my_cars"),
    path("orders/<int:order_pk>/", views.GuaranteeView.as_view(), name="guarantee"),
    path("orders/<int:order_pk>/odometer/", views.OdometerUpdateView.as_view(), name="odometer"),
    path("orders/<int:order_pk>/extend/", views.ExtensionBuyView.as_view(), name="extend"),
    path("orders/<int:order_pk>/requests/new/", views.RequestCreateView.as_view(), name="request_create"),
    path("orders/<int:order_pk>/claims/new/", views.ClaimCreateView.as_view(), name="claim_create"),
    path("requests/<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim_detail"),
    path("cases/", views.DealerCasesView.as_view(), name="dealer_cases"),
]
