"""The 忘记密码 and new-password pages, the same for the merchant console and the platform
console: each site names its layout, its sign-in endpoint and the verbs for its accounts."""
from dataclasses import dataclass

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from billing.forms import ForgotPasswordForm, NewPasswordForm
from core.refusals import Attempt
from core.transaction import committed


@dataclass(frozen=True)
class PasswordPages:
    layout: str  # the site's base template
    login_endpoint: str
    forgot_endpoint: str

    def forgot(self, request_reset):
        """Ask ``request_reset(email)`` to mail links; the same answer whether or not the
        address has an account."""
        form = ForgotPasswordForm()
        if form.validate_on_submit():
            with committed():
                request_reset(form.email.data)
            return self._page("auth/forgot_password.html", form=form, sent=True)
        return self._page("auth/forgot_password.html", form=form, sent=False), 422 if form.errors else 200

    def reset(self, account, set_password):
        """The page a link opens for ``account`` (None: expired, used or forged → 404);
        ``set_password(account, password)`` saves the new one or raises ``WeakPassword``."""
        if account is None:
            return self._page("auth/reset_password.html", form=None), 404
        form = NewPasswordForm()
        if form.validate_on_submit():
            with Attempt(form, field="password", flash=False) as attempt:
                set_password(account, form.password.data)
            if not attempt.refused:
                flash(_("Your password is changed. Sign in with the new one."), "success")
                return redirect(url_for(self.login_endpoint))
            return self._page("auth/reset_password.html", form=form), attempt.status
        return self._page("auth/reset_password.html", form=form), 422 if form.errors else 200

    def _page(self, template, **context):
        return render_template(template, base=self.layout, login=url_for(self.login_endpoint),
                               forgot=url_for(self.forgot_endpoint), **context)
