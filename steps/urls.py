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
]
