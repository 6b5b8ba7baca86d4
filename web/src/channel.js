// The client's channel code: the H5 app is 'H5', the mini-program 'WX'. Every API call sends it as
// the `X-Channel` header (the channel part of a movement's transaction serial, 交易流水号) and every
// tracked event carries it as `channel`, so the funnel and the serials tell the two clients apart.
export const CHANNEL = 'H5'
export const CHANNEL_HEADER = 'X-Channel'
