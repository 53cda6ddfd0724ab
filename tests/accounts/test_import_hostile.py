"""Hostile uploads: whatever bytes arrive, the import answers with errors, never a crash."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from accounts.staff_import import parse_staff_csv


@given(st.binary(max_size=2000))
@settings(max_examples=200, deadline=None)
def test_random_bytes_never_crash_the_parser(raw):
    rows, errors = parse_staff_csv(raw)
    assert rows or errors


@given(
    st.lists(
        st.lists(st.text(max_size=40), min_size=0, max_size=6),
        min_size=1,
        max_size=20,
    )
)
@settings(max_examples=100, deadline=None)
def test_random_text_tables_never_crash_the_parser(table):
    text = "email,name,staff group,job title\n" + "\n".join(",".join(r) for r in table)
    rows, errors = parse_staff_csv(text.encode("utf-8", "surrogatepass"))
    assert isinstance(rows, list) and isinstance(errors, list)


@given(raw=st.binary(min_size=1, max_size=500))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_import_page_answers_random_bytes_with_a_page_not_a_500(admin, raw):
    before = Membership.objects.count()
    upload = SimpleUploadedFile("x.csv", raw, content_type="text/csv")
    response = admin.client().post(reverse("accounts:import_people"), {"file": upload})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Membership.objects.count() == before


def test_huge_file_gets_an_error_page(admin, settings):
    settings.CHARTER_IMPORT_MAX_BYTES = 1000
    upload = SimpleUploadedFile("big.csv", b"email,name\n" + b"a@b.test,A\n" * 500)
    response = admin.client().post(reverse("accounts:import_people"), {"file": upload})
    assert response.status_code == 200
    assert "larger than" in response.content.decode()
