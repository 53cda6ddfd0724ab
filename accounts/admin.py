from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Membership, Organization, ReviewerRole, StaffGroup, User


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin):
    list_display = ["email", "full_name", "is_active"]
    search_fields = ["email", "full_name"]
    exclude = ["password"]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organization", "is_admin", "is_author", "is_active"]
    list_filter = ["organization"]


admin.site.register(StaffGroup)
admin.site.register(ReviewerRole)
