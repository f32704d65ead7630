const block = require('../block-behavior.js')
const picture = require('../picture-behavior.js')

Component({ behaviors: [block, picture] })
