from django.contrib.admin.apps import AdminConfig


class TrustAppAdminConfig(AdminConfig):
    default_site = "trustapp.admin.TrustAppAdminSite"
