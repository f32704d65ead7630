// A header's navigation link: rendered by its header, one per child block.
const block = require('../block-behavior.js')
const link = require('../link-behavior.js')

Component({ behaviors: [block, link] })
