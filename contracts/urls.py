from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("reserve/<int:listing_pk>/", views.ReserveView.as_view(), name="reserve"),
    path("orders/", views.BuyerOrderListView.as_view(), name="my_orders"),
    path("dealer/orders/", views.DealerOrderListView.as_view(), name="dealer_orders"),
    path("orders/<int:pk>/", views.OrderDetailView.as_view(), name="order_detail"),
    path("orders/<int:pk>/cancel/", views.OrderCancelView.as_view(), name="order_cancel"),
    path("orders/<int:pk>/decline/", views.OrderDeclineView.as_view(), name="order_decline"),
    path("orders/<int:pk>/contract/", views.ContractDetailView.as_view(), name="contract_detail"),
    path("orders/<int:pk>/contract/terms/", views.ContractTermsView.as_view(), name="contract_terms"),
    path("orders/<int:pk>/contract/pdf/", views.ContractPdfView.as_view(), name="contract_pdf"),
    path("orders/<int:pk>/payment/", views.PaymentCreateView.as_view(), name="payment_create"),
    path("orders/<int:pk>/delivery/", views.DeliveryRecordView.as_view(), name="delivery_record"),
    path("orders/<int:pk>/delivery/confirm/", views.DeliveryConfirmView.as_view(), name="delivery_confirm"),
    path("orders/<int:pk>/amendments/new/", views.AmendmentCreateView.as_view(), name="amendment_create"),
    path("amendments/<int:pk>/", views.AmendmentDetailView.as_view(), name="amendment_detail"),
]
