"""Duoshop as a WeChat third-party platform (开放平台第三方平台): merchants authorise their
mini-program to it, and it uploads, audits and releases the mini-program template for them.

- ``crypto``: WeChat's message encryption (signature, AES-256-CBC) of pushed events;
- ``client``: the calls to WeChat (component and code-management APIs), errcode → errors;
- ``tokens``: component_access_token (one refresh at a time across processes) and the
  authorisers' tokens;
- ``events``: the platform's message endpoint's work, each event applied exactly once;
- ``authorization``: the pre-auth-code flow and the stored authoriser;
- ``releases``: one store's pipeline (已授权 → 已上传 → 审核中 → 审核通过/驳回 → 已发布);
- ``rollouts``: a template rolled out to every authorised store as a batch job;
- ``ext``: the ext.json a store's mini-program reads its store from.
"""
