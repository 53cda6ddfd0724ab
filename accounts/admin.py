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
    list_display = ["name", "slug", "jurisdiction"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organization", "staff_group", "employee_type", "is_active"]
    list_filter = ["organization", "employee_type"]
    search_fields = ["user__email", "user__full_name", "external_id"]
    raw_id_fields = ["manager", "user"]


admin.site.register(StaffGroup)
admin.site.register(ReviewerRole)
