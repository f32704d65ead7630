// The store the template talks to when it runs without an ext.json from the platform: the demo
// store of `make run` (its own host names the store, so no AppID is needed). Only for WeChat's
// developer tools on a developer's machine; a released mini-program always has ext.json.
module.exports = {
  api_base: 'http://demo.localhost:5000/api/v1',
  store_host: 'demo.localhost:5000',
  store_name: '演示商城',
  logo_url: '',
  theme: 'default',
  colors: { primary: '#ee0a24' },
}
