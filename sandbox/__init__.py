"""Local stand-ins for WeChat's servers (Pay v3, OAuth, logistics), for `make run` and tests.

Never enabled in production configuration. The WeChat Pay sandbox arrives with the
payments issue.
"""
