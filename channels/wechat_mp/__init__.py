"""A store's own WeChat Official Account (公众号), bound by the merchant with its AppID,
AppSecret, token and EncodingAESKey (docs/wechat_mp.md):

- ``accounts``: the binding (secrets encrypted at rest) and the store's message URL;
- ``client`` and ``tokens``: WeChat's APIs with the account's access token (kept per store,
  refreshed when WeChat says it expired) and the JS-SDK ticket (cached per store);
- ``messages``: the message endpoint's work — signature, 安全模式 encryption, one row per
  message so WeChat's retries change nothing, the passive reply;
- ``replies``: the subscribe reply, keyword rules and the default reply;
- ``menus``: the custom menu (3 × 5), checked against WeChat's limits and published;
- ``notices``: template messages on order and campaign events, once per event and member;
- ``pushes``: news cards scheduled for 10:00 / 20:00 to followers consenting to marketing.
"""
