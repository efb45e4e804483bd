from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("r/<str:token>/", views.SurveyAnswerView.as_view(), name="answer"),
    path("staff/clocks/", views.ClocksDashboardView.as_view(), name="clocks"),
]
