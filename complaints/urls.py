from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.ComplaintListView.as_view(), name="list"),
    path("new/", views.ComplaintCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ComplaintDetailView.as_view(), name="detail"),
    path("<int:pk>/messages/", views.ComplaintMessageView.as_view(), name="message"),
    path("<int:pk>/decision/", views.ComplaintDecisionView.as_view(), name="decide"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.ComplaintAttachmentView.as_view(), name="attachment"),
]
