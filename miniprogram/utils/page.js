// Every page's root view carries the theme as CSS variables (style="{{themeStyle}}") and
// knows the store; themedPage wires that up before the page's own onLoad.
function themedPage(definition) {
  const { onLoad, onUnload } = definition
  return Object.assign({}, definition, {
    onLoad(query) {
      const app = getApp()
      this.stopStore = app.onStore(store => this.setData({ store, themeStyle: app.globalData.themeStyle }))
      if (onLoad) return onLoad.call(this, query || {})
      return undefined
    },
    onUnload() {
      if (this.stopStore) this.stopStore()
      if (onUnload) onUnload.call(this)
    },
  })
}

module.exports = { themedPage }
