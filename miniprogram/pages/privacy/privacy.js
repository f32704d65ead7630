// 隐私与数据: the store's privacy policy (GET /privacy-policy), what the member agreed to and a
// switch per optional use (GET/PUT /me/consents: turning one off takes effect at once), agreeing
// again after a new version, and the way to 导出/注销 (pages/my-data). Opened with ?consent=1
// before a first sign-in: the policy, the optional choices, and 同意并继续 signs in with them.
const { api, signIn } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')
const { dateTime } = require('../../utils/format.js')
const { rememberConsent } = require('../../utils/consent.js')

const OPTIONAL = [
  { purpose: 'marketing', title: '营销消息', note: '接收本店的优惠活动、上新等消息' },
  { purpose: 'profiling', title: '个性化推荐（用户画像）', note: '分析你的购买和浏览记录（如会员分层、偏好品类），用于改进商品和推荐' },
]

Page(themedPage({
  data: { policy: null, paragraphs: [], consentMode: false, agreed: '', consentRequired: false, uses: [], choices: { marketing: false, profiling: false }, showText: false, busy: false },
  onLoad(query) {
    const consentMode = query.consent === '1'
    this.setData({ consentMode, showText: consentMode })
    this.loadPolicy()
    if (!consentMode) this.loadConsents()
  },
  loadPolicy() {
    return api.get('/privacy-policy').then(policy => {
      this.setData({ policy, paragraphs: policy.paragraphs })
    }).catch(() => {})
  },
  loadConsents() {
    return api.get('/me/consents').then(body => this.showConsents(body)).catch(() => {})
  },
  showConsents(body) {
    const byPurpose = {}
    body.items.forEach(item => { byPurpose[item.purpose] = item })
    const account = byPurpose.account || {}
    const agreed = account.granted
      ? `你已于 ${dateTime(account.updated_at)} 同意${account.policy_version ? `第 ${account.policy_version} 版` : '平台通用版'}隐私政策`
      : '你尚未同意本店的隐私政策'
    const uses = OPTIONAL.map(use => Object.assign({}, use, {
      granted: Boolean(byPurpose[use.purpose] && byPurpose[use.purpose].granted),
      when: byPurpose[use.purpose] && byPurpose[use.purpose].updated_at ? dateTime(byPurpose[use.purpose].updated_at) : '',
    }))
    this.setData({ agreed, consentRequired: body.consent_required, uses })
  },
  onToggleText() {
    this.setData({ showText: !this.data.showText })
  },
  // A switch of an optional use: PUT at once; refused, the page shows the state as it is.
  onSwitch(event) {
    const purpose = event.currentTarget.dataset.purpose
    const granted = Boolean(event.detail.value)
    const body = { policy_version: this.data.policy ? this.data.policy.version : 0 }
    body[purpose] = granted
    api.put('/me/consents', body).then(answer => {
      this.showConsents(answer)
      wx.showToast({ title: granted ? '已开启' : '已关闭', icon: 'none' })
    }).catch(() => {
      this.loadPolicy()
      this.loadConsents()
    })
  },
  onAgainAgree() {
    api.put('/me/consents', { policy_version: this.data.policy.version, account: true }).then(answer => {
      this.showConsents(answer)
      wx.showToast({ title: '已同意最新隐私政策', icon: 'none' })
    }).catch(() => this.loadPolicy())
  },
  // Before a first sign-in: the optional choices, then 同意并继续.
  onChoice(event) {
    const choices = Object.assign({}, this.data.choices)
    choices[event.currentTarget.dataset.purpose] = Boolean(event.detail.value)
    this.setData({ choices })
  },
  onAgreeAndSignIn() {
    if (this.data.busy || !this.data.policy) return
    this.setData({ busy: true })
    const consents = { policy_version: this.data.policy.version, marketing: this.data.choices.marketing, profiling: this.data.choices.profiling }
    signIn(consents).then(() => {
      rememberConsent(null, consents)
      wx.showToast({ title: '登录成功', icon: 'success' })
      wx.navigateBack({ fail: () => wx.switchTab({ url: '/pages/member/member' }) })
    }).catch(error => {
      wx.showToast({ title: error.message || '登录失败', icon: 'none' })
      this.loadPolicy()
    }).finally(() => this.setData({ busy: false }))
  },
  onDecline() {
    wx.navigateBack({ fail: () => wx.switchTab({ url: '/pages/home/home' }) })
  },
  onMyData() {
    wx.navigateTo({ url: '/pages/my-data/my-data' })
  },
}))
