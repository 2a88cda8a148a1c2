"""Signing in and out through the form; a wrong password says nothing about the account."""

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import APP, TESTER


def test_sign_in_with_the_form_then_sign_out(database: Engine, workspace_id: int) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Journey Workbench"]  # nothing of the workspace before signing in
    at.text_input(key="auth.email").set_value(TESTER["email"])
    at.text_input(key="auth.password").set_value("not the password")
    at.button(key="FormSubmitter:auth.form-Sign in").click().run()
    wrong = [e.value for e in at.error]
    at.text_input(key="auth.email").set_value("nobody@example.com")
    at.text_input(key="auth.password").set_value("not the password")
    at.button(key="FormSubmitter:auth.form-Sign in").click().run()
    assert [e.value for e in at.error] == wrong and "wrong" in wrong[0]  # the same answer for an unknown account

    at.text_input(key="auth.email").set_value(TESTER["email"].upper())
    at.text_input(key="auth.password").set_value(TESTER["password"])
    at.button(key="FormSubmitter:auth.form-Sign in").click().run()
    assert not at.exception
    assert "Signed in as Tester" in " ".join(c.value for c in at.sidebar.caption)
    assert at.title[0].value == "Overview"

    at.sidebar.button(key="auth.sign_out").click().run()
    assert any("You are signed out." in i.value for i in at.info)
    assert at.button(key="FormSubmitter:auth.form-Sign in")
