// A published page (GET /home or /pages/{id}) drawn block by block: each block goes to the
// component of its type (components/blocks/<type>); a type this template does not know is
// skipped rather than breaking the page.
Component({
  properties: {
    blocks: { type: Array, value: [] },
    store: { type: Object, value: {} },
  },
})
