"""Flask-Limiter works out, on every request, which limits apply to its view — about a
fifth of a bare request's cost here, also for the many views no limit applies to. This
request filter answers that once per endpoint: a view with no limit of its own (no
``@limiter.limit``), in a blueprint with none, while no application-wide, default or meta
limit is configured, is skipped. A view with a limit is always checked by Flask-Limiter as
before (its limit may be dynamic; only *whether* it has one is remembered).

It reads Flask-Limiter's record of decorated views (pinned version, see requirements.txt;
tests/core/test_limits.py fails if that record moves).
"""
from flask import current_app, request
from flask_limiter.util import get_qualified_name


def init_app(app, limiter):
    """After ``limiter.init_app(app)`` (the configured limits are known then)."""
    unlimited = {}  # endpoint → True when no limit can apply to it

    @limiter.request_filter
    def _no_limit_applies():
        endpoint = request.endpoint
        verdict = unlimited.get(endpoint)
        if verdict is None:
            verdict = unlimited[endpoint] = _has_no_limit(limiter, endpoint)
        # A limit used inside a view (``with limiter.limit(…)`` or a limited helper) leaves a
        # hint on the endpoint the moment it runs, before its check: read live, never cached.
        return verdict and not limiter.limit_manager.has_hints(endpoint or "")

    app.extensions["duoshop_no_limit_applies"] = _no_limit_applies
    return _no_limit_applies


def _has_no_limit(limiter, endpoint):
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits or limiter._meta_limits or limiter._in_memory_fallback:
        return False
    view = current_app.view_functions.get(endpoint or "")
    if view is None:
        return False  # let Flask-Limiter decide, as it always did
    name = get_qualified_name(view)
    blueprint = request.blueprint
    limited_blueprints = {bp for bp in current_app.blueprints if manager._blueprint_limits.get(bp)}
    in_limited_blueprint = blueprint is not None and any(
        blueprint == bp or blueprint.startswith(bp + ".") for bp in limited_blueprints)
    return not (name in limiter._marked_for_limiting or in_limited_blueprint)
