"""The staff CSV import: all or nothing, row-level errors, re-import is a no-op."""

from django.urls import reverse

from accounts.models import Membership, User
from accounts.services import import_staff
from audit.models import AuditEvent

GOOD = (
    "email,name,staff group,job title\n"
    "ana@riverside.test,Ana Lima,Nursing,Nurse\n"
    "bo@riverside.test,Bo Chen,Pharmacy,Pharmacist\n"
    "cy@riverside.test,Cy Dorn,,Porter\n"
)


def test_valid_file_imports_everyone(admin, nursing, pharmacy):
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=GOOD.encode())
    assert result.ok and result.created == 3
    ana = Membership.objects.get(user__email="ana@riverside.test")
    assert ana.staff_group == nursing and ana.job_title == "Nurse"
    assert ana.history.count() == 1
    assert AuditEvent.objects.filter(action="accounts.staff.imported").count() == 1


def test_reimporting_the_same_file_changes_nothing(admin, nursing, pharmacy):
    import_staff(organization=admin.org, imported_by=admin.user, raw=GOOD.encode())
    before = Membership.objects.count(), AuditEvent.objects.count()
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=GOOD.encode())
    assert result.ok and result.created == 0 and result.updated == 0 and result.unchanged == 3
    assert (Membership.objects.count(), AuditEvent.objects.count()) == before


def test_changed_group_is_updated(admin, nursing, pharmacy):
    import_staff(organization=admin.org, imported_by=admin.user, raw=GOOD.encode())
    moved = GOOD.replace("Ana Lima,Nursing", "Ana Lima,Pharmacy")
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=moved.encode())
    assert result.updated == 1
    assert Membership.objects.get(user__email="ana@riverside.test").staff_group == pharmacy


def test_bad_rows_are_all_listed_and_nothing_is_imported(admin, nursing):
    bad = (
        "email,name,staff group,job title\n"
        "ok@riverside.test,Ok Person,Nursing,\n"
        "not-an-email,Bad Mail,Nursing,\n"
        "x@riverside.test,Unknown Group,Radiology,\n"
        "ok@riverside.test,Dup Person,Nursing,\n"
    )
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=bad.encode())
    assert not result.ok
    lines = {line for line, _ in result.errors}
    assert lines == {3, 4, 5}
    text = " ".join(m for _, m in result.errors)
    assert "not a valid e-mail" in text and "Unknown staff group 'Radiology'" in text
    assert "appears twice" in text
    assert not User.objects.filter(email="ok@riverside.test").exists()


def test_member_of_another_institution_keeps_their_account(admin, nursing, outsider):
    raw = f"email,name,staff group\n{outsider.email},Otto,Nursing\n".encode()
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=raw)
    assert result.ok and result.created == 1
    assert User.objects.filter(email=outsider.email).count() == 1
    assert outsider.user.memberships.count() == 2


def test_random_bytes_and_missing_header_give_clear_errors(admin):
    for raw, expected in [
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"", "empty"),
        (b"who,what\n1,2\n", "first line must name the columns"),
        (b"email,name\n", "no rows"),
    ]:
        result = import_staff(organization=admin.org, imported_by=admin.user, raw=raw)
        assert not result.ok and expected in result.errors[0][1]


def test_oversized_file_is_refused(admin, settings):
    settings.CHARTER_IMPORT_MAX_BYTES = 100
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=GOOD.encode() * 10)
    assert "larger than" in result.errors[0][1]


def test_ten_thousand_rows_in_one_transaction_with_few_queries(
    admin, nursing, django_assert_max_num_queries
):
    rows = "".join(f"p{i}@riverside.test,Person {i},Nursing,Staff\n" for i in range(10_000))
    raw = ("email,name,staff group,job title\n" + rows).encode()
    # Batched: SQLite's variable limit splits bulk inserts into ~100-row statements.
    with django_assert_max_num_queries(600):
        result = import_staff(organization=admin.org, imported_by=admin.user, raw=raw)
    assert result.ok and result.created == 10_000
    assert Membership.objects.filter(organization=admin.org, staff_group=nursing).count() == 10_000


def test_import_page_shows_row_errors_and_keeps_nothing(admin, nursing):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("staff.csv", b"email,name\nbad,Bad\n", content_type="text/csv")
    response = admin.client().post(reverse("accounts:import_people"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in html and "Line 2" in html


def test_import_page_is_for_admins(employee, client, db):
    assert employee.client().get(reverse("accounts:import_people")).status_code == 403
    assert client.get(reverse("accounts:import_people")).status_code == 302
