from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("workspace/", views.WorkspaceView.as_view(), name="workspace"),
    path("requests/", views.MyRequestsView.as_view(), name="my_requests"),
    path("requests/<int:pk>/take/", views.RequestTakeView.as_view(), name="request_take"),
    path("requests/<int:pk>/cancel/", views.RequestCancelView.as_view(), name="request_cancel"),
    path("listings/<int:listing_pk>/request/", views.RequestCreateView.as_view(), name="request_create"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/history/", views.ReportHistoryView.as_view(), name="report_history"),
    path("reports/<int:pk>/pdf/", views.ReportPdfView.as_view(), name="report_pdf"),
    path("reports/<int:pk>/edit/", views.ReportEditView.as_view(), name="report_edit"),
    path("reports/<int:pk>/edit/<slug:section>/", views.ReportSectionEditView.as_view(), name="report_section"),
    path("reports/<int:pk>/publish/", views.ReportPublishView.as_view(), name="report_publish"),
    path("reports/<int:pk>/correct/", views.ReportCorrectView.as_view(), name="report_correct"),
]
