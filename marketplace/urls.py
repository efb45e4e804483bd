from django.urls import path

from . import appointment_views, detail_parts, pages, saved_search_views, similar, views

app_name = "marketplace"

urlpatterns = [
    path("cars/", pages.BrowseView.as_view(), name="browse"),
    path("cars/mine/", pages.MineView.as_view(), name="mine"),
    path("cars/<int:pk>/", pages.ListingDetailView.as_view(), name="detail"),
    path("cars/<int:pk>/favourite/", views.FavouriteToggleView.as_view(), name="favourite"),
    path("cars/<int:pk>/ask/", views.AskDealerView.as_view(), name="ask"),
    path("compare/", pages.CompareView.as_view(), name="compare"),
    path("compare/add/", views.CompareAddView.as_view(), name="compare_add"),
    path("compare/remove/", views.CompareRemoveView.as_view(), name="compare_remove"),
    path("favourites/", views.FavouriteListView.as_view(), name="favourites"),
    path("messages/", views.ConversationListView.as_view(), name="conversations"),
    path("messages/<int:pk>/", views.ConversationDetailView.as_view(), name="conversation"),
    # Issue 19: saved searches, viewings and test drives, finance estimate, similar cars
    path("cars/<int:pk>/similar/", similar.SimilarCarsView.as_view(), name="similar"),
    path("cars/<int:pk>/finance/", detail_parts.FinanceEstimateView.as_view(), name="finance"),
    path("cars/<int:pk>/book/", appointment_views.BookView.as_view(), name="book"),
    path("saved-searches/", saved_search_views.SavedSearchListView.as_view(), name="saved_searches"),
    path("saved-searches/<int:pk>/", saved_search_views.SavedSearchActionView.as_view(), name="saved_search"),
    path(
        "saved-searches/unsubscribe/<str:token>/",
        saved_search_views.UnsubscribeView.as_view(),
        name="saved_search_unsubscribe",
    ),
    path("appointments/", appointment_views.AppointmentListView.as_view(), name="appointments"),
    path("appointments/<int:pk>/", appointment_views.AppointmentDetailView.as_view(), name="appointment"),
    path("appointments/<int:pk>/action/", appointment_views.AppointmentActionView.as_view(), name="appointment_action"),
    path("dealer/appointments/", appointment_views.DealerAppointmentsView.as_view(), name="dealer_appointments"),
    path("dealer/appointments/hours/", appointment_views.DealerHoursView.as_view(), name="dealer_hours"),
    path("dealer/cars/", views.MyCarsView.as_view(), name="my_cars"),
    path("dealer/cars/new/", views.ListingCreateView.as_view(), name="listing_create"),
    path("dealer/cars/<int:pk>/edit/", views.ListingUpdateView.as_view(), name="listing_edit"),
    path("dealer/cars/<int:pk>/action/", views.ListingActionView.as_view(), name="listing_action"),
    path("dealer/cars/<int:pk>/photos/", views.ListingPhotosView.as_view(), name="listing_photos"),
    path("dealer/photos/<int:pk>/action/", views.PhotoActionView.as_view(), name="photo_action"),
]
