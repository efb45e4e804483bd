from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("how-scores-work/", views.HowScoresWorkView.as_view(), name="how_scores_work"),
    path("dealers/<int:pk>/", views.DealerPublicView.as_view(), name="dealer"),
    path("my-reviews/", views.MyReviewsView.as_view(), name="my_reviews"),
    path("orders/<int:order_pk>/review/", views.ReviewView.as_view(), name="review"),
    path("orders/<int:order_pk>/rate-buyer/", views.BuyerRatingView.as_view(), name="rate_buyer"),
    path("reviews/<int:pk>/reply/", views.ReviewReplyView.as_view(), name="review_reply"),
    path("reviews/<int:pk>/hide/", views.ReviewHideView.as_view(), name="review_hide"),
    path("reviews/<int:pk>/unhide/", views.ReviewUnhideView.as_view(), name="review_unhide"),
    path("buyers/<int:pk>/credit/", views.BuyerCreditView.as_view(), name="buyer_credit"),
    path("staff/", views.StaffDashboardView.as_view(), name="staff_dashboard"),
    path("staff/<slug:key>.csv", views.StaffChartCsvView.as_view(), name="staff_csv"),
    path("dealer/", views.DealerDashboardView.as_view(), name="dealer_dashboard"),
    path("dealer/<slug:key>.csv", views.DealerChartCsvView.as_view(), name="dealer_csv"),
    path("customers/", views.CustomerListView.as_view(), name="customers"),
    path("customers/<int:pk>/", views.CustomerArchiveView.as_view(), name="customer"),
]
