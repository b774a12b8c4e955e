from django.urls import path

from steps import views

urlpatterns = [
    path("space/", views.home, name="home"),
    path("space/guide/<slug:slug>/", views.chapter, name="chapter"),
    path("space/steps/<int:number>/", views.step_detail, name="step_detail"),
    path(
        "space/steps/<int:number>/reflections/",
        views.reflection_create,
        name="reflection_create",
    ),
    path(
        "space/reflections/<int:reflection_id>/edit/",
        views.reflection_edit,
        name="reflection_edit",
    ),
    path(
        "space/reflections/<int:reflection_id>/delete/",
        views.reflection_delete,
        name="reflection_delete",
    ),
    path("space/steps/<int:number>/check-in/", views.check_in_submit, name="check_in_submit"),
    path(
        "space/steps/<int:number>/check-in/state/",
        views.check_in_state,
        name="check_in_state",
    ),
    path("space/today/", views.daily, name="daily"),
    path("space/closeness/", views.closeness, name="closeness"),
    path(
        "space/closeness/<slug:slug>/",
        views.closeness_exercise,
        name="closeness_exercise",
    ),
    path("space/hard-moment/", views.hard_moment, name="hard_moment"),
    path("space/hard-moments/", views.hard_moments, name="hard_moments"),
    path(
        "space/hard-moments/<int:moment_id>/seen/",
        views.hard_moment_seen,
        name="hard_moment_seen",
    ),
    path("space/break/", views.pause_page, name="pause_page"),
    path("space/pause/", views.journey_pause, name="journey_pause"),
    path("space/pause/ask/", views.journey_ask_to_resume, name="journey_ask_to_resume"),
    path("space/resume/", views.journey_resume, name="journey_resume"),
    path("space/safety-check/", views.safety_check, name="safety_check"),
    path("space/safety-check/support/", views.safety_support, name="safety_support"),
    path("space/complete/", views.journey_complete, name="journey_complete"),
    # Step 6
    path("space/questions/", views.question_ask, name="question_ask"),
    path("space/questions/status/", views.ledger_status, name="ledger_status"),
    path("space/questions/told-later/", views.told_later, name="told_later"),
    path(
        "space/questions/<int:question_id>/entries/",
        views.question_respond,
        name="question_respond",
    ),
    # Step 7
    path("space/apology/", views.apology_save, name="apology_save"),
    path(
        "space/apologies/<int:apology_id>/responses/",
        views.apology_respond,
        name="apology_respond",
    ),
    # Step 8
    path("space/understandings/", views.understanding_write, name="understanding_write"),
    path(
        "space/understandings/<int:understanding_id>/response/",
        views.understanding_respond,
        name="understanding_respond",
    ),
    # Step 9
    path("space/commitments/", views.commitment_add, name="commitment_add"),
    path(
        "space/commitments/<int:commitment_id>/checks/",
        views.commitment_check,
        name="commitment_check",
    ),
    path(
        "space/commitments/<int:commitment_id>/review/",
        views.commitment_review,
        name="commitment_review",
    ),
    path(
        "space/commitment-checks/<int:check_id>/acknowledge/",
        views.commitment_acknowledge,
        name="commitment_acknowledge",
    ),
    # Step 10
    path("space/focus-areas/", views.focus_area_add, name="focus_area_add"),
    path("space/focus-areas/<int:area_id>/", views.focus_area_update, name="focus_area_update"),
    # Step 11
    path("space/forgiveness/", views.forgiveness_decide, name="forgiveness_decide"),
    # Your data
    path("accounts/data/", views.data_export, name="data_export"),
    path("accounts/data/export.json", views.data_export_json, name="data_export_json"),
    path("accounts/data/export/", views.data_export_html, name="data_export_html"),
    path("accounts/delete/", views.account_delete, name="account_delete"),
    # Counselors
    path("counselor/", views.counselor_dashboard, name="counselor_dashboard"),
    path("counselor/couples/<int:access_id>/", views.counselor_summary, name="counselor_summary"),
    path(
        "counselor/couples/<int:access_id>/brief/",
        views.counselor_brief,
        name="counselor_brief",
    ),
]
