"""Who a login speaks for is checked by the service, whoever asks for the login (the API, the
commission's page, `vybory db add-user`): the liar is whoever creates logins (an administrator
with shell access, or a commission login) and wants a login that acts for a trustee or an
organisation the election does not have, or for none in particular."""

from __future__ import annotations

import copy

import pytest
from electionkit import PASSWORD
from kit import new_election
from typer.testing import CliRunner

from vybory.cli.main import app
from vybory.errors import InvalidInput


@pytest.mark.parametrize(("role", "election", "subject", "code"), [
    ("trustee", True, "nobody", "unknown_subject"),
    ("organisation", True, "nobody", "unknown_subject"),
    ("trustee", True, None, "subject_missing"),
    ("trustee", False, "anna", "subject_missing"),
    ("organisation", False, None, "subject_missing"),
    ("observer", True, "anna", "subject_not_allowed"),
    ("commission", False, "union", "subject_not_allowed"),
])
def test_a_login_for_no_one_of_the_election_is_refused(service, role, election, subject, code) -> None:  # type: ignore[no-untyped-def]
    e = new_election(service)
    with pytest.raises(InvalidInput) as refused:
        service.add_user(f"login-{role}", PASSWORD, role, election=e.slug if election else None, subject=subject)
    assert refused.value.code == code and refused.value.field == "subject"
    assert service.authenticate(f"login-{role}", PASSWORD) is None


def test_the_trustee_and_organisation_of_the_election_get_their_logins(service) -> None:  # type: ignore[no-untyped-def]
    e = new_election(service)
    trustee = e.state().trustees[0].id
    organisation = e.state().definition.organisations[0].id
    service.add_user("t", PASSWORD, "trustee", election=e.slug, subject=trustee)
    service.add_user("o", PASSWORD, "organisation", election=e.slug, subject=organisation)
    assert service.authenticate("t", PASSWORD)["subject"] == trustee
    assert service.authenticate("o", PASSWORD)["subject"] == organisation


def test_checking_whom_a_login_speaks_for_copies_no_state(service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The subject is checked against the election's state as the service keeps it: a large
    election's state (every ballot's digests and tracking codes) is not copied for a look-up."""
    e = new_election(service)
    trustee = e.state().trustees[0].id
    organisation = e.state().definition.organisations[0].id

    def no_copy(*args: object, **kwargs: object) -> None:
        raise AssertionError("the election's state was copied")

    monkeypatch.setattr(copy, "deepcopy", no_copy)
    service.add_user("t", PASSWORD, "trustee", election=e.slug, subject=trustee)
    service.add_user("o", PASSWORD, "organisation", election=e.slug, subject=organisation)
    assert service.definition(e.slug).has_organisation(organisation)


def test_db_add_user_refuses_an_unknown_trustee(service, database_url) -> None:  # type: ignore[no-untyped-def]
    e = new_election(service)
    result = CliRunner().invoke(app, ["db", "add-user", "t-ghost", "--role", "trustee", "--subject", "ghost",
                                      "--election", e.slug, "--db", database_url],
                                env={"VYBORY_NEW_PASSWORD": PASSWORD})
    assert result.exit_code != 0 and "'ghost' is not a trustee of election" in result.output
    assert "Traceback" not in result.output
    assert service.authenticate("t-ghost", PASSWORD) is None
