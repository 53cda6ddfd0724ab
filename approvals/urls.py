from django.urls import path

from config import ids

from . import views

ids.register()  # before any route below names <id:…>

app_name = "approvals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("route/", views.route, name="route"),
    path("signed-by-me/", views.signed_by_me, name="signed_by_me"),
    path("submit/<id:guideline_pk>/", views.submit, name="submit"),
    path("<id:pk>/", views.review, name="review"),
    path("<id:pk>/seen/", views.seen, name="seen"),
    path("<id:pk>/sign-off/", views.sign_off, name="sign_off"),
    path("<id:pk>/request-changes/", views.request_changes, name="request_changes"),
    path("<id:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<id:pk>/comments/", views.comment, name="comment"),
    path("comments/<id:pk>/resolve/", views.resolve, name="resolve"),
    path("comments/<id:pk>/reply/", views.reply, name="reply"),
    path("<id:pk>/revise/", views.revise, name="revise"),
    path("<id:pk>/suggest/", views.suggest, name="suggest"),
    path("suggestions/<id:pk>/accept/", views.accept_suggestion, name="accept_suggestion"),
    path("suggestions/<id:pk>/decline/", views.decline_suggestion, name="decline_suggestion"),
]
