from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("route/", views.route, name="route"),
    path("signed-by-me/", views.signed_by_me, name="signed_by_me"),
    path("submit/<int:guideline_pk>/", views.submit, name="submit"),
    path("<int:pk>/", views.review, name="review"),
    path("<int:pk>/seen/", views.seen, name="seen"),
    path("<int:pk>/sign-off/", views.sign_off, name="sign_off"),
    path("<int:pk>/request-changes/", views.request_changes, name="request_changes"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/comments/", views.comment, name="comment"),
    path("comments/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("comments/<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/revise/", views.revise, name="revise"),
    path("<int:pk>/suggest/", views.suggest, name="suggest"),
    path("suggestions/<int:pk>/accept/", views.accept_suggestion, name="accept_suggestion"),
    path("suggestions/<int:pk>/decline/", views.decline_suggestion, name="decline_suggestion"),
]
