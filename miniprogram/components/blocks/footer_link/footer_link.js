// A footer's link: rendered by its footer, one per child block.
const block = require('../block-behavior.js')
const link = require('../link-behavior.js')

Component({ behaviors: [block, link] })
