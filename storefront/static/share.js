// Inside WeChat: the page's share card. The page declares it in meta tags
// (duoshop:share-title / -desc / -image / -link; og: tags and the title otherwise). The store
// signs wx.config for this page (data-config-url), naming WeChat's JS-SDK and its SRI hash;
// the SDK is loaded, configured, and the card set for chats and Moments.
// Elsewhere it does nothing: the page's HTML is the same for every browser.
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script || !/MicroMessenger/i.test(navigator.userAgent)) return;

  function meta(selector) {
    const tag = document.querySelector(selector);
    return tag ? tag.getAttribute("content") || "" : "";
  }
  function absolute(link) {
    try { return link ? new URL(link, location.href).href : ""; } catch (error) { return ""; }
  }
  const page = location.href.split("#")[0];
  const card = {
    title: meta('meta[name="duoshop:share-title"]') || meta('meta[property="og:title"]') || document.title,
    desc: meta('meta[name="duoshop:share-desc"]') || meta('meta[property="og:description"]'),
    link: absolute(meta('meta[name="duoshop:share-link"]')) || page,
    imgUrl: absolute(meta('meta[name="duoshop:share-image"]') || meta('meta[property="og:image"]')),
  };

  function loadSdk(source) {
    if (window.wx) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      const sdk = document.createElement("script");
      sdk.src = source.src;
      sdk.integrity = source.integrity;
      sdk.crossOrigin = "anonymous";
      sdk.onload = resolve;
      sdk.onerror = reject;
      document.head.appendChild(sdk);
    });
  }

  fetch(script.dataset.configUrl + "?url=" + encodeURIComponent(page), { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
    .then(function (config) {
      return loadSdk(config.sdk).then(function () { return config; });
    })
    .then(function (config) {
      window.wx.config({
        appId: config.appId, timestamp: config.timestamp, nonceStr: config.nonceStr, signature: config.signature,
        jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"],
      });
      window.wx.ready(function () {
        window.wx.updateAppMessageShareData(card);
        window.wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
      });
    })
    .catch(function () { /* no card: WeChat shares the page with its own defaults */ });
})();
