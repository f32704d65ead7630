// Consent before the first sign-in (PIPL art. 13/14, and WeChat's own rule that a mini-program
// asks before it collects): the shopper reads the store's privacy policy and agrees, then the
// sign-in carries that agreement (POST /session `consents`), so no member exists who never
// agreed. The version agreed on this phone is kept; a newer policy is asked for on 我的 and the
// privacy page (GET /me/consents `consent_required`), never by blocking a sign-in.
const { api, ApiError } = require('./api.js')

const CONSENTED_KEY = 'duoshop.consented'
const PRIVACY_PAGE = '/pages/privacy/privacy'

function notYet() {
  return new ApiError(0, { detail: '请先阅读并同意隐私政策', code: 'consent_required' })
}

// The gate utils/api.js runs before a sign-in: null (agreed on this phone before), the consents
// to send, or a rejection (the shopper went to read the policy in full first).
function askBeforeSignIn() {
  if (wx.getStorageSync(CONSENTED_KEY) !== '') return Promise.resolve(null)
  return api.get('/privacy-policy', undefined, { silent: true }).then(policy => new Promise((resolve, reject) => {
    wx.showModal({
      title: '个人信息保护指引',
      content: `为向你提供下单、支付、配送和售后服务，我们需要你阅读并同意《${policy.title}》。点击「查看全文」可阅读完整内容。`,
      confirmText: '同意',
      cancelText: '查看全文',
      success: res => {
        if (res.confirm) {
          resolve({ policy_version: policy.version, marketing: false, profiling: false })
          return
        }
        wx.navigateTo({ url: `${PRIVACY_PAGE}?consent=1` })
        reject(notYet())
      },
      fail: () => reject(notYet()),
    })
  }))
}

// After a sign-in that carried consents: this phone's shopper has agreed.
function rememberConsent(session, given) {
  if (given) wx.setStorageSync(CONSENTED_KEY, given.policy_version)
}

module.exports = { askBeforeSignIn, rememberConsent, CONSENTED_KEY, PRIVACY_PAGE }
