// A test double of a @vant/weapp component for miniprogram-simulate (whose compiler cannot load
// vant's external .wxs files): the same tag, its properties, its slot and its events.
Component({
  options: { multipleSlots: true },
  properties: {
    steps: null,
    active: null,
  },
})
