"""Refusals in HTML views: run a verb, and show the ``DomainError`` it raises to the person.

The API and everything outside a form go through ``core.errors`` (the error handler); this
is for console and storefront pages, which keep the person on the page with a message:

    with Attempt(form, field="slug") as attempt:
        create_page(tenant, title=form.title.data, slug=form.slug.data, actor=user)
    if attempt.refused:
        return render_template("builder/pages/list.html", form=form), attempt.status
    flash(_("Page created."), "success")
    return redirect(url_for("console.pages_list"))

A refusal is rolled back, then goes on the form field it names (``DomainError.field``, else
``field``) when the form has one, and is flashed as an error otherwise; ``flash=False`` leaves
the showing to the view (``attempt.refusal``). A verb that goes through is committed. Any other
exception is rolled back and propagates to the error handler.
"""
from flask import flash as flash_message

from core.errors import DomainError
from core.extensions import db


class Attempt:
    """A context manager around one verb; see the module docstring."""

    def __init__(self, form=None, *, field=None, flash=True, commit=True, session=None):
        self.form = form
        self.field = field  # where a refusal goes when it names no field of its own
        self.flash = flash
        self.commit = commit
        self.session = session
        self.refusal = None

    @property
    def refused(self):
        return self.refusal is not None

    @property
    def status(self):
        """The status to answer with: the refusal's (422, 409, …), else 200."""
        return self.refusal.status if self.refused else 200

    def __enter__(self):
        self.refusal = None
        return self

    def __exit__(self, kind, error, traceback):
        session = self.session or db.session
        if error is None:
            if self.commit:
                session.commit()
            return False
        session.rollback()
        if not isinstance(error, DomainError):
            return False
        self.refusal = error
        self._show(error)
        return True  # the refusal is handled: the view goes on to re-render or redirect

    def _show(self, refusal):
        message = str(refusal.message)
        target = self._form_field(refusal.field) or self._form_field(self.field)
        if target is not None:
            target.errors = [*target.errors, message]  # a field not yet validated has errors == ()
        elif self.flash:
            flash_message(message, "error")

    def _form_field(self, name):
        if self.form is None or not name:
            return None
        return self.form._fields.get(name)
