// A test double of a @vant/weapp component for miniprogram-simulate (whose compiler cannot load
// vant's external .wxs files): the same tag, its properties, its slot and its events.
Component({
  properties: {
    name: null,
    disabled: null,
    value: null,
  },
  methods: {
    onTap() {
      if (!this.data.disabled) this.triggerEvent('pick', this.data.name)
    },
  },
})
