// Inside WeChat: hand the signed parameters to WeChat's payment sheet, then show the order.
// The order page asks WeChat Pay itself; this script only opens the sheet.
(function () {
  "use strict";
  var button = document.querySelector("[data-wechat-pay]");
  if (!button) return;
  function pay() {
    var params = JSON.parse(button.dataset.wechatPay);
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (result) {
      if (result.err_msg === "get_brand_wcpay_request:ok") window.location.href = button.dataset.done;
    });
  }
  button.addEventListener("click", function () {
    if (window.WeixinJSBridge) pay();
    else document.addEventListener("WeixinJSBridgeReady", pay, { once: true });
  });
})();
