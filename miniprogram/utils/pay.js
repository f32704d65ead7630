// Paying: WeChat Pay through wx.requestPayment with the parameters the API made for this
// mini-program's AppID and the member's openid, or the member's balance at once.
const { api } = require('./api.js')

function requestPayment(params) {
  return new Promise((resolve, reject) => {
    wx.requestPayment(Object.assign({}, params, {
      success: resolve,
      fail: err => reject(Object.assign(new Error('支付未完成'), { cancelled: /cancel/.test((err && err.errMsg) || '') })),
    }))
  })
}

// method 'wechat' | 'balance' → the paid order's number once paid.
function payOrder(orderNo, method) {
  return api.post(`/orders/${orderNo}/payment`, { method }).then(answer => {
    if (answer.method === 'wechat' || answer.params) return requestPayment(answer.params).then(() => orderNo)
    return orderNo
  })
}

module.exports = { payOrder, requestPayment }
