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
    path("space/sharing/", views.sharing, name="sharing"),
    path("space/sharing/invite/", views.counselor_invite, name="counselor_invite"),
    path("space/sharing/<int:access_id>/consent/", views.consent_update, name="consent_update"),
    path("counselor/profile/", views.counselor_profile, name="counselor_profile"),
    path(
        "counselor-invitation/<str:token>/", views.counselor_invitation, name="counselor_invitation"
    ),
    path(
        "counselor-invitation/<str:token>/accept/",
        views.counselor_invitation_accept,
        name="counselor_invitation_accept",
    ),
]
