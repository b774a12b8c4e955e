from django.urls import path

from couples import views

urlpatterns = [
    path("space/start/", views.couple_start, name="couple_start"),
    path("space/role/", views.couple_role, name="couple_role"),
    path("space/invite/", views.partner_invite, name="partner_invite"),
    path("space/panel/", views.couple_panel, name="couple_panel"),
    path(
        "space/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "space/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path("space/end/", views.couple_end, name="couple_end"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("invitation/<str:token>/accept/", views.invitation_accept, name="invitation_accept"),
]
