from django.urls import path

from . import pages, views

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
    path("dealer/cars/", views.MyCarsView.as_view(), name="my_cars"),
    path("dealer/cars/new/", views.ListingCreateView.as_view(), name="listing_create"),
    path("dealer/cars/<int:pk>/edit/", views.ListingUpdateView.as_view(), name="listing_edit"),
    path("dealer/cars/<int:pk>/action/", views.ListingActionView.as_view(), name="listing_action"),
    path("dealer/cars/<int:pk>/photos/", views.ListingPhotosView.as_view(), name="listing_photos"),
    path("dealer/photos/<int:pk>/action/", views.PhotoActionView.as_view(), name="photo_action"),
]
