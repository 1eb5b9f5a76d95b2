"""The WeChat rig of the end-to-end tests (Linli behind its webhook, a fake WeChat API)."""

from tests.e2e.test_wechat import rig  # noqa: F401 - a fixture, used by name
