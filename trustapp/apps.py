from django.contrib.admin.apps import AdminConfig


class TrustAppAdminConfig(AdminConfig):
    default_site = "trustapp.admin.TrustAppAdminSite"

    def ready(self) -> None:
        super().ready()  # discovers every app's admin module
        from django.contrib import admin
        from django_tasks_db.models import DBTaskResult

        from trustapp.task_admin import TaskResultAdmin

        admin.site.unregister(DBTaskResult)
        admin.site.register(DBTaskResult, TaskResultAdmin)
