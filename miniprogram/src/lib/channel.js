// The mini-program's channel code, 'WX' (the H5 app is 'H5'): every API call sends it as the
// `X-Channel` header (the channel part of a movement's transaction serial, 交易流水号) and every
// tracked event carries it as `channel`.
const CHANNEL = 'WX'
const CHANNEL_HEADER = 'X-Channel'

module.exports = { CHANNEL, CHANNEL_HEADER }
