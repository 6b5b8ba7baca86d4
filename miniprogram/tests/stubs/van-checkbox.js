// A test double of a @vant/weapp component for miniprogram-simulate (whose compiler cannot load
// vant's external .wxs files): the same tag, its properties, its slot and its events.
Component({
  properties: {
    value: null,
    name: null,
    shape: null,
    disabled: null,
  },
  methods: {
    onTap() {
      if (!this.data.disabled) this.triggerEvent('change', !this.data.value)
    },
  },
})
