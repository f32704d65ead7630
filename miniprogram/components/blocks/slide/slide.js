// A banner's slide: rendered by its banner inside a swiper-item; alone it shows the same.
const block = require('../block-behavior.js')
const picture = require('../picture-behavior.js')

Component({ behaviors: [block, picture] })
