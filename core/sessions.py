"""Flask's signed-cookie sessions, minus one cost on the commonest request: a visitor with no
session cookie (an anonymous shopper) gets an empty session without a signing serializer
being built for nothing. Everything else — signing, loading, saving — is Flask's own."""
from flask.sessions import SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app):
    app.session_interface = CookieSessionInterface()
