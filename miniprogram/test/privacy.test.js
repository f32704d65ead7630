// Consent in the mini-program, fed answers the API really gives (fixtures/privacy-policy.json and
// consents.json): the first sign-in asks for the privacy policy before wx.login and carries the
// agreement to POST /session; 查看全文 opens the policy instead; the privacy page switches each
// optional use with PUT /me/consents; 我的 says when the policy is to be agreed to again.
const test = require('node:test')
const assert = require('node:assert')
const { text } = require('./simulate.js')
const { openPage, settle } = require('./page-sim.js')
const fakeWx = require('./fake-wx.js')
const { signIn, setConsentGate } = require('../utils/api.js')
const { askBeforeSignIn, rememberConsent, CONSENTED_KEY } = require('../utils/consent.js')

const fixture = name => JSON.parse(JSON.stringify(require(`./fixtures/${name}.json`)))
const policy = fixture('privacy-policy')
const consents = fixture('consents')
const SESSION = [200, { token: 't', token_type: 'Bearer', expires_in: 60, member: { id: 1 }, consent_required: false }]

function withGate(body) {
  setConsentGate(askBeforeSignIn, rememberConsent)
  return body().finally(() => setConsentGate(() => Promise.resolve(null)))
}

test('the first sign-in asks for the privacy policy, then sends the agreement with the code', () => withGate(async () => {
  const { calls, storage } = fakeWx.install({ 'GET /privacy-policy': [200, policy], 'POST /session': SESSION })
  const modals = []
  global.wx.showModal = options => { modals.push(options); options.success({ confirm: true }) }
  await signIn()
  assert.strictEqual(modals.length, 1)
  assert.ok(modals[0].content.includes(`《${policy.title}》`))
  assert.deepStrictEqual([modals[0].confirmText, modals[0].cancelText], ['同意', '查看全文'])
  const session = calls.requests.find(r => r.key === 'POST /session')
  assert.deepStrictEqual(session.data, { code: 'code-1', consents: { policy_version: policy.version, marketing: false, profiling: false } })
  assert.strictEqual(storage.get(CONSENTED_KEY), policy.version)
  await signIn() // agreed on this phone: the next sign-in asks nothing more
  assert.strictEqual(modals.length, 1)
  assert.deepStrictEqual(calls.requests.filter(r => r.key === 'POST /session')[1].data, { code: 'code-2' })
}))

test('查看全文 opens the policy and signs nobody in', () => withGate(async () => {
  const { calls, storage } = fakeWx.install({ 'GET /privacy-policy': [200, policy], 'POST /session': SESSION })
  global.wx.showModal = options => options.success({ confirm: false, cancel: true })
  await assert.rejects(signIn(), error => error.code === 'consent_required')
  assert.deepStrictEqual(calls.navigations, ['/pages/privacy/privacy?consent=1'])
  assert.strictEqual(calls.logins, 0)
  assert.ok(!calls.requests.some(r => r.key === 'POST /session'))
  assert.strictEqual(storage.has(CONSENTED_KEY), false)
}))

test('before a first sign-in the page shows the policy and 同意并继续 signs in with the choices', async () => {
  const { calls, storage } = fakeWx.install({ 'GET /privacy-policy': [200, policy], 'POST /session': SESSION })
  let back = 0
  global.wx.navigateBack = () => { back += 1 }
  const page = await openPage('pages/privacy/privacy', { consent: '1' })
  assert.deepStrictEqual(text(page, 'privacy__para'), policy.paragraphs)
  assert.ok(!calls.requests.some(r => r.key === 'GET /me/consents')) // nobody to ask about yet
  page.instance.onChoice({ currentTarget: { dataset: { purpose: 'profiling' } }, detail: { value: true } })
  page.instance.onAgreeAndSignIn()
  await settle()
  const session = calls.requests.find(r => r.key === 'POST /session')
  assert.deepStrictEqual(session.data.consents, { policy_version: policy.version, marketing: false, profiling: true })
  assert.strictEqual(storage.get(CONSENTED_KEY), policy.version)
  assert.strictEqual(back, 1)
})

test('the privacy page shows what was agreed and switches a use off with one PUT', async () => {
  const withdrawn = fixture('consents')
  withdrawn.items[2].granted = false
  const { calls } = fakeWx.install({
    'GET /privacy-policy': [200, policy], 'GET /me/consents': [200, consents], 'PUT /me/consents': [200, withdrawn],
  })
  const page = await openPage('pages/privacy/privacy', {})
  assert.match(text(page, 'privacy__agreed')[0], /同意第 1 版隐私政策$/)
  assert.strictEqual(text(page, 'privacy__notice-text').length, 0)
  assert.deepStrictEqual(page.instance.data.uses.map(use => [use.purpose, use.granted]), [['marketing', false], ['profiling', true]])
  page.instance.onSwitch({ currentTarget: { dataset: { purpose: 'profiling' } }, detail: { value: false } })
  await settle()
  assert.deepStrictEqual(calls.requests.find(r => r.key === 'PUT /me/consents').data, { policy_version: policy.version, profiling: false })
  assert.deepStrictEqual(page.instance.data.uses.map(use => use.granted), [false, false])
  assert.ok(calls.toasts.includes('已关闭'))
  page.instance.onMyData()
  assert.deepStrictEqual(calls.navigations, ['/pages/my-data/my-data'])
})

test('a newer policy: the notice, and agreeing sends the version read', async () => {
  const outdated = Object.assign(fixture('consents'), { consent_required: true })
  const { calls } = fakeWx.install({
    'GET /privacy-policy': [200, policy], 'GET /me/consents': [200, outdated], 'PUT /me/consents': [200, consents],
  })
  const page = await openPage('pages/privacy/privacy', {})
  assert.deepStrictEqual(text(page, 'privacy__notice-text'), ['《隐私政策》已更新，请阅读后确认同意。'])
  page.instance.onAgainAgree()
  await settle()
  assert.deepStrictEqual(calls.requests.find(r => r.key === 'PUT /me/consents').data, { policy_version: policy.version, account: true })
  assert.strictEqual(text(page, 'privacy__notice-text').length, 0)
})

test('我的 links to 隐私与数据 and says when the policy is to be agreed to again', async () => {
  const { calls } = fakeWx.install({
    'GET /me': [200, { id: 1, nickname: '阿丽', has_phone: false }],
    'GET /me/member': [200, { level: null, points: 0, balance: 0, growth: 0, next_level: null, signed_in_today: false, sign_in_points: 5 }],
    'GET /me/consents': [200, Object.assign(fixture('consents'), { consent_required: true })],
  })
  const page = await openPage('pages/member/member')
  assert.ok(page.instance.data.menu.some(item => item.label === '隐私与数据' && item.url === '/pages/privacy/privacy'))
  assert.strictEqual(page.instance.data.consentRequired, true)
  page.instance.onPrivacy()
  assert.deepStrictEqual(calls.navigations, ['/pages/privacy/privacy'])
})
