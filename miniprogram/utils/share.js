// What onShareAppMessage returns: the `share` card the API gives with a page or product
// (the same the H5 store puts in its duoshop:share-* meta tags), or the fallback until it arrives.
function shareMessage(share, fallback) {
  if (!share) return fallback
  const message = { title: share.title || fallback.title || '', path: share.path || fallback.path }
  if (share.image) message.imageUrl = share.image
  return message
}

module.exports = { shareMessage }
