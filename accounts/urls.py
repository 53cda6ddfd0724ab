from django.contrib.auth import views as auth_views
from django.urls import path

from config import ids

from . import views, views_group_rules
from .twofactor import views as views_twofactor

ids.register()  # before any route below names <id:…>

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("switch/", views.switch, name="switch"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<id:pk>/", views.invitation_respond, name="invitation_respond"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite, name="invite"),
    path("people/import/", views.import_people, name="import_people"),
    path("people/import/<id:pk>/", views.import_job, name="import_job"),
    path("people/invitations/", views.resend_invitations, name="resend_invitations"),
    path("people/<id:pk>/", views.person, name="person"),
    path("people/<id:pk>/active/", views.person_active, name="person_active"),
    path("groups/", views.groups, name="groups"),
    path("groups/<id:pk>/rule/", views_group_rules.group_rule, name="group_rule"),
    path("directory-sync/", views.directory_sync, name="directory_sync"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/email/", views.email_settings, name="email_settings"),
    path("institution/", views.institution_settings, name="institution_settings"),
    path("security/", views_twofactor.security, name="security"),
    path("two-factor/", views_twofactor.two_factor, name="two_factor"),
    path("two-factor/verify/", views_twofactor.two_factor_verify, name="two_factor_verify"),
    path("two-factor/off/", views_twofactor.two_factor_disable, name="two_factor_disable"),
    path(
        "two-factor/recovery-codes/",
        views_twofactor.two_factor_recovery,
        name="two_factor_recovery",
    ),
    path(
        "people/<id:pk>/two-factor/reset/",
        views_twofactor.two_factor_reset,
        name="two_factor_reset",
    ),
]
