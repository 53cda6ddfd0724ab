"""The two-factor rules, without HTTP: enrolment, codes, recovery, reset and the requirement."""

import time

import pytest
import time_machine
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import services as twofactor
from audit.models import AuditEvent
from tests.accounts.twofactor_support import RECOVERY_CODES, code_for, enrol


def test_has_device_counts_only_confirmed_authenticators(employee):
    assert not twofactor.has_device(employee.user)
    twofactor.pending_device(user=employee.user)
    assert not twofactor.has_device(employee.user)
    enrol(employee.user)
    assert twofactor.has_device(employee.user)


def test_has_device_is_false_for_anonymous_and_none(db):
    from django.contrib.auth.models import AnonymousUser

    assert not twofactor.has_device(AnonymousUser())
    assert not twofactor.has_device(None)


def test_pending_device_is_reused_until_confirmed(employee):
    first = twofactor.pending_device(user=employee.user)
    assert twofactor.pending_device(user=employee.user).pk == first.pk


def test_verify_code_accepts_the_current_code_once(employee):
    device = enrol(employee.user)
    code = code_for(device)
    assert twofactor.verify_code(employee.user, code)
    assert not twofactor.verify_code(employee.user, code), "a code must not be replayed"


def test_verify_code_accepts_the_next_code_after_a_period(employee):
    device = enrol(employee.user)
    assert twofactor.verify_code(employee.user, code_for(device))
    with time_machine.travel(time.time() + 31, tick=False):
        assert twofactor.verify_code(employee.user, code_for(device))


def test_verify_code_accepts_a_recovery_code_once_however_typed(employee):
    enrol(employee.user)
    assert twofactor.verify_code(employee.user, " CODE-AAAA ")
    assert not twofactor.verify_code(employee.user, "codeaaaa")
    assert twofactor.recovery_codes_left(employee.user) == len(RECOVERY_CODES) - 1


def test_verify_code_refuses_garbage_others_codes_and_anonymous(employee, author):
    from django.contrib.auth.models import AnonymousUser

    other = enrol(author.user, recovery_codes=["zzzzzzzz"])
    enrol(employee.user)
    for bad in ["", "12", "abc", "x" * 200, "zzzzzzzz", "<script>"]:
        assert not twofactor.verify_code(employee.user, bad)
    assert not twofactor.verify_code(employee.user, code_for(other))
    assert not twofactor.verify_code(AnonymousUser(), "codebbbb")


def test_verify_code_is_false_without_two_factor(employee):
    assert not twofactor.verify_code(employee.user, "123456")


def test_confirm_enrolment_gives_ten_recovery_codes_and_is_audited(employee):
    device = twofactor.pending_device(user=employee.user)
    codes = twofactor.confirm_enrolment(user=employee.user, code=code_for(device))
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed and device.name == twofactor.AUTHENTICATOR_NAME
    assert twofactor.has_device(employee.user)
    assert twofactor.recovery_codes_left(employee.user) == 10
    event = AuditEvent.objects.get(action="accounts.two_factor.enrolled")
    assert event.actor == employee.user and event.organization == employee.org


def test_wrong_code_at_enrolment_keeps_it_off(employee):
    twofactor.pending_device(user=employee.user)
    with pytest.raises(twofactor.TwoFactorError, match="did not match"):
        twofactor.confirm_enrolment(user=employee.user, code="000000")
    assert not twofactor.has_device(employee.user)
    assert not StaticToken.objects.exists()


def test_enrolment_twice_is_refused(employee):
    enrol(employee.user)
    with pytest.raises(twofactor.TwoFactorError, match="already on"):
        twofactor.confirm_enrolment(user=employee.user, code="123456")


def test_new_recovery_codes_replace_the_old_ones(employee):
    device = enrol(employee.user)
    codes = twofactor.new_recovery_codes(user=employee.user, code=code_for(device))
    assert len(codes) == 10
    assert not twofactor.verify_code(employee.user, RECOVERY_CODES[0])
    with time_machine.travel(time.time() + 5, tick=False):  # past the wrong-code pause
        assert twofactor.verify_code(employee.user, codes[0])


def test_new_recovery_codes_need_an_authenticator_code_not_a_recovery_code(employee):
    enrol(employee.user)
    with pytest.raises(twofactor.TwoFactorError):
        twofactor.new_recovery_codes(user=employee.user, code=RECOVERY_CODES[1])
    assert AuditEvent.objects.filter(action="accounts.two_factor.failed").exists()


def test_disable_needs_the_password_and_keeps_the_devices_on_record(employee, password):
    enrol(employee.user)
    with pytest.raises(twofactor.TwoFactorError, match="password"):
        twofactor.disable(user=employee.user, password="wrong")
    assert twofactor.has_device(employee.user)
    twofactor.disable(user=employee.user, password=password)
    assert not twofactor.has_device(employee.user)
    assert not twofactor.verify_code(employee.user, RECOVERY_CODES[2])
    assert TOTPDevice.objects.filter(user=employee.user, confirmed=False).count() == 1
    assert AuditEvent.objects.filter(action="accounts.two_factor.disabled").count() == 1


def test_disable_is_refused_where_the_institution_requires_it(legal, org, password):
    org.require_reviewer_2fa = True
    org.save()
    enrol(legal.user)
    with pytest.raises(twofactor.TwoFactorError, match="requires two-factor"):
        twofactor.disable(user=legal.user, password=password)
    assert twofactor.has_device(legal.user)


def test_admin_reset_removes_every_device_and_is_audited(admin, employee):
    enrol(employee.user)
    twofactor.reset(membership=employee.membership, reset_by=admin.user)
    assert not TOTPDevice.objects.filter(user=employee.user).exists()
    assert not StaticDevice.objects.filter(user=employee.user).exists()
    event = AuditEvent.objects.get(action="accounts.two_factor.reset")
    assert event.actor == admin.user and event.organization == admin.org
    assert event.details == {"person": employee.email, "by_institution": "Riverside"}


def test_reset_of_someone_without_two_factor_is_refused(admin, employee):
    with pytest.raises(twofactor.TwoFactorError, match="has not set up"):
        twofactor.reset(membership=employee.membership, reset_by=admin.user)
    assert not AuditEvent.objects.filter(action="accounts.two_factor.reset").exists()


def test_admin_cannot_reset_their_own_two_factor(admin):
    enrol(admin.user)
    with pytest.raises(twofactor.TwoFactorError):
        twofactor.reset(membership=admin.membership, reset_by=admin.user)
    assert twofactor.has_device(admin.user)


@pytest.mark.parametrize(
    ("persona", "required"),
    [
        ("admin", True),
        ("legal", True),
        ("compliance", True),
        ("author", False),
        ("auditor", False),
        ("employee", False),
    ],
)
def test_requirement_applies_to_admins_and_reviewers_only(request, org, persona, required):
    member = request.getfixturevalue(persona).membership
    assert not twofactor.role_requires_two_factor(member)
    org.require_reviewer_2fa = True
    org.save()
    member.organization.refresh_from_db()
    assert twofactor.role_requires_two_factor(member) is required


def test_requirement_does_not_apply_to_deactivated_or_missing_memberships(admin, org):
    org.require_reviewer_2fa = True
    org.save()
    admin.membership.is_active = False
    assert not twofactor.role_requires_two_factor(admin.membership)
    assert not twofactor.role_requires_two_factor(None)


def test_set_requirement_records_only_real_changes(admin, org):
    twofactor.set_requirement(organization=org, required=False, changed_by=admin.user)
    assert not AuditEvent.objects.filter(action="accounts.security.changed").exists()
    twofactor.set_requirement(organization=org, required=True, changed_by=admin.user)
    org.refresh_from_db()
    assert org.require_reviewer_2fa
    event = AuditEvent.objects.get(action="accounts.security.changed")
    assert event.details["require_reviewer_2fa"] == {"before": False, "after": True}


def test_qr_code_is_inline_svg_without_inline_style(employee):
    device = twofactor.pending_device(user=employee.user)
    svg = str(twofactor.qr_svg(twofactor.provisioning_uri(device)))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "style" not in svg and "<script" not in svg
    assert 'role="img"' in svg and "<title" in svg


def test_provisioning_uri_names_charter_and_the_person(employee):
    device = twofactor.pending_device(user=employee.user)
    uri = twofactor.provisioning_uri(device)
    assert uri.startswith("otpauth://totp/Charter%3Aemployee%40riverside.test?")
    assert "issuer=Charter" in uri
    assert twofactor.formatted_secret(device).replace(" ", "") in uri


def test_a_person_never_sees_another_persons_codes(employee, author):
    enrol(employee.user)
    assert not twofactor.verify_code(author.user, RECOVERY_CODES[0])
    assert twofactor.recovery_codes_left(employee.user) == len(RECOVERY_CODES)
