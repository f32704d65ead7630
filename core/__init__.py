"""Platform core: app factory, configuration, extensions, errors, jobs, security.

Nothing business-specific lives here.
"""
