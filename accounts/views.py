from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, UpdateView

from . import services
from .forms import DealerProfileForm, LoginForm, ProfileForm, SignupForm


class LoginView(auth_views.LoginView):
    """Django's sign-in with ``LoginForm``: an over-long username or password is a form error, never a 500."""

    form_class = LoginForm
    redirect_authenticated_user = True


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class SignupView(FormView):
    template_name = "accounts/signup.html"
    form_class = SignupForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        dealer = None
        if data["role"] == "dealer":
            dealer = {
                "business_name": data["business_name"],
                "licence_number": data["licence_number"],
                "city": data["city"],
                "address": data["address"],
                "phone": data["business_phone"],
            }
        user = services.user_sign_up(
            username=data["username"],
            password=data["password1"],
            email=data["email"],
            role=data["role"],
            full_name=data["full_name"],
            phone=data.get("phone", ""),
            dealer=dealer,
        )
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, _("Welcome to Anxin Auto, %(name)s!") % {"name": user.display_name})
        return redirect("home")


@method_decorator(sensitive_post_parameters("id_number", "phone"), name="dispatch")
class ProfileView(LoginRequiredMixin, UpdateView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm

    def get_object(self, queryset=None):
        return self.request.user

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.is_dealer and hasattr(self.request.user, "dealer_profile"):
            context["dealer_form"] = kwargs.get("dealer_form") or DealerProfileForm(
                instance=self.request.user.dealer_profile, prefix="dealer"
            )
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        dealer_form = None
        if request.user.is_dealer and hasattr(request.user, "dealer_profile"):
            dealer_form = DealerProfileForm(request.POST, instance=request.user.dealer_profile, prefix="dealer")
        if form.is_valid() and (dealer_form is None or dealer_form.is_valid()):
            form.save()
            if dealer_form is not None:
                dealer_form.save()
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
        return self.render_to_response(self.get_context_data(form=form, dealer_form=dealer_form))


def set_language(request):
    """Django's language switcher, and for a signed-in user the choice is saved on the account, so e-mails
    and anything rendered for them later (notifications) use it too."""
    response = i18n_views.set_language(request)
    language = request.POST.get(i18n_views.LANGUAGE_QUERY_PARAMETER)
    chosen = language in dict(settings.LANGUAGES) and check_for_language(language)
    if request.method == "POST" and request.user.is_authenticated and chosen and request.user.language != language:
        services.user_set_language(user=request.user, language=language)
    return response
