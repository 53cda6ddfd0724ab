"""The staff CSV import: all or nothing, row-level errors, re-import is a no-op."""

from django.urls import reverse

from accounts.models import Membership, User
from accounts.staff_import import import_staff
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
    # And one event per person, naming the kind of import and the file.
    added = AuditEvent.objects.filter(action="accounts.directory.person_added")
    assert added.count() == 3
    assert {e.details["source"] for e in added} == {"staff list import"}
    assert added.get(object_id=str(ana.pk)).details["email"] == "ana@riverside.test"


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
    ana = Membership.objects.get(user__email="ana@riverside.test")
    assert ana.staff_group == pharmacy
    event = AuditEvent.objects.get(action="accounts.directory.person_updated")
    assert event.object_id == str(ana.pk) and event.details["source"] == "staff list import"
    assert event.details["changes"]["department"] == ["Nursing", "Pharmacy"]


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
    # They have an account of their own: the place waits for them to accept it.
    riverside = outsider.user.memberships.get(organization=admin.org)
    assert riverside.awaiting_acceptance and not riverside.is_active


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


def test_ten_thousand_rows_in_committed_batches_with_few_queries(
    admin, nursing, django_assert_max_num_queries
):
    rows = "".join(f"p{i}@riverside.test,Person {i},Nursing,Staff\n" for i in range(10_000))
    raw = ("email,name,staff group,job title\n" + rows).encode()
    # Ten batches of 1,000 rows, each committed with the job's bookmark; SQLite's variable
    # limit splits each bulk insert further into statements of fewer rows the more columns a
    # membership has (one statement each on PostgreSQL), so the bound is per batch, not per row.
    # The same holds for the batch's audit events, one per person, inserted 250 at a time
    # (audit.services.RECORD_CHUNK, which keeps a batch's memory flat): on SQLite four
    # chunks split into a few more statements than one insert of 1,000 did (1,105, was 1,075).
    with django_assert_max_num_queries(1120):
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


# --- files that are not what they seem ---------------------------------------------------------


def post_file(persona, raw: bytes, **data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("staff.csv", raw, content_type="text/csv")
    return persona.client().post(reverse("accounts:import_people"), {"file": upload, **data})


def test_an_unclosed_quote_refuses_the_file_naming_its_line(admin, nursing):
    raw = (
        b"email,name,staff group,job title\n"
        b"ana@riverside.test,Ana Lima,Nursing,Nurse\n"
        b'bo@riverside.test,"Bo Chen,Nursing,Nurse\n'
        b"cy@riverside.test,Cy Dorn,Nursing,Porter\n"
        b"di@riverside.test,Di Eng,Nursing,Porter\n"
    )
    response = post_file(admin, raw)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in html
    assert "Line 3:" in html and "never closed" in html
    assert not User.objects.filter(full_name__contains="Bo Chen").exists()
    assert not Membership.objects.filter(user__email="ana@riverside.test").exists()


def test_a_quoted_line_break_inside_a_value_refuses_the_file(admin, nursing):
    raw = (
        b"email,name,staff group,job title\n"
        b'ana@riverside.test,"Ana\nLima",Nursing,Nurse\n'
        b"bo@riverside.test,Bo Chen,Nursing,Nurse\n"
    )
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=raw)
    assert not result.ok
    assert result.errors[0][0] == 2 and "runs on to line 3" in result.errors[0][1]
    assert not Membership.objects.filter(user__email="bo@riverside.test").exists()


def test_line_numbers_count_the_files_own_lines_whatever_the_line_endings(admin, nursing):
    raw = b"email,name\r\nok@riverside.test,Ok\r\n\r\nbad,Bad\rworse,Worse\r\n"
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=raw)
    assert [line for line, _ in result.errors] == [4, 5]


def test_an_unclosed_quote_in_a_large_file_is_found_in_linear_time(admin, nursing):
    import time

    rows = "".join(f"p{i}@riverside.test,Person {i},Nursing,Staff\n" for i in range(50_000))
    raw = ('email,name,staff group,job title\n"open@riverside.test,Open\n' + rows).encode()
    started = time.perf_counter()
    result = import_staff(organization=admin.org, imported_by=admin.user, raw=raw)
    assert time.perf_counter() - started < 5
    assert result.errors[0][0] == 2


def test_an_address_too_long_for_the_database_is_a_listed_row_error(admin, nursing):
    # 64 + 1 + 250 characters: a valid address by the RFC and Django's validator, but the
    # column holds 254. Every other column is checked against its column too.
    long_email = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "org"
    assert 255 <= len(long_email) <= 320
    raw = (
        "email,name,staff group,job title\n"
        f"{long_email},Long Mail,Nursing,Nurse\n"
        f"ok@riverside.test,{'N' * 151},Nursing,{'T' * 151}\n"
        f"ok2@riverside.test,Ok Two,{'G' * 121},\n"
    ).encode()
    response = post_file(admin, raw)
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        f"Line 2: The e-mail address is {len(long_email)} characters long; at most 254 fit." in html
    )
    assert "Line 3: The name is 151 characters long; at most 150 fit." in html
    assert "Line 3: The job title is 151 characters long; at most 150 fit." in html
    assert "Line 4: The staff group is 121 characters long; at most 120 fit." in html
    assert not Membership.objects.filter(user__email="ok@riverside.test").exists()


def test_a_file_of_many_bad_rows_lists_the_first_and_counts_the_rest(admin, nursing):
    raw = ("email,name\n" + "".join(f"bad{i},Bad\n" for i in range(500))).encode()
    html = post_file(admin, raw).content.decode()
    assert "500 problems to fix" in html and "and 300 more" in html
    assert html.count("is not a valid e-mail address") == 200
