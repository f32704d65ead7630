// One address: 省/市/区 from WeChat's region picker (its district code is the address's
// area_code, which the server checks), or imported from the shopper's WeChat addresses.
const { api, itemsOf } = require('../../utils/api.js')
const { themedPage } = require('../../utils/page.js')

const EMPTY = { name: '', phone: '', province: '', city: '', district: '', street: '', area_code: '', is_default: false }

Page(themedPage({
  data: { id: '', form: EMPTY },
  onLoad(query) {
    if (!query.id) return
    this.setData({ id: query.id })
    api.get('/addresses').then(body => {
      const address = itemsOf(body).find(one => String(one.id) === String(query.id))
      if (address) this.setData({ form: Object.assign({}, EMPTY, address) })
    }).catch(() => {})
  },
  onField(event) {
    this.setData({ [`form.${event.currentTarget.dataset.field}`]: event.detail.value })
  },
  onRegion(event) {
    const [province, city, district] = event.detail.value
    const codes = event.detail.code || []
    this.setData({ 'form.province': province, 'form.city': city, 'form.district': district, 'form.area_code': codes[2] || '' })
  },
  onDefault(event) {
    this.setData({ 'form.is_default': event.detail.value })
  },
  onWechat() {
    wx.chooseAddress({
      success: res => this.setData({
        form: Object.assign({}, this.data.form, {
          name: res.userName, phone: res.telNumber, province: res.provinceName, city: res.cityName,
          district: res.countyName, street: res.detailInfo, area_code: res.nationalCode,
        }),
      }),
    })
  },
  onSave() {
    const { form, id } = this.data
    // AddressIn: the district's code when the picker gave one (it names the province), else the
    // province by name.
    const body = { name: form.name, phone: form.phone, city: form.city, district: form.district,
      street: form.street, is_default: Boolean(form.is_default) }
    if (/^\d{6}$/.test(form.area_code || '')) body.area_code = form.area_code
    else body.province = form.province
    const saving = id ? api.put(`/addresses/${id}`, body) : api.post('/addresses', body)
    saving.then(() => wx.navigateBack()).catch(() => {})
  },
  onDelete() {
    wx.showModal({
      content: '确定删除这个地址吗？',
      success: res => res.confirm && api.del(`/addresses/${this.data.id}`).then(() => wx.navigateBack()).catch(() => {}),
    })
  },
}))
