from django.contrib import admin

from couples.models import Couple, Invitation, Partnership


class PartnershipInline(admin.TabularInline):
    model = Partnership
    extra = 0
    fields = ("user", "seat", "role", "joined_at", "left_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Couple)
class CoupleAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "ended_at")
    list_filter = ("ended_at",)
    inlines = [PartnershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    # The token hash is left out on purpose: it is a credential, not something to look at.
    list_display = ("id", "couple", "invited_by", "email", "status", "created_at", "expires_at")
    list_filter = ("status",)
    search_fields = ("email",)
    fields = (
        "couple",
        "invited_by",
        "email",
        "status",
        "created_at",
        "sent_at",
        "expires_at",
        "accepted_by",
        "closed_at",
    )
    readonly_fields = fields
