// A test double of a @vant/weapp component for miniprogram-simulate (whose compiler cannot load
// vant's external .wxs files): the same tag, its properties, its slot and its events.
Component({
  properties: {
    checked: null,
    loading: null,
    disabled: null,
    size: null,
  },
  methods: {
    onTap() {
      if (!this.data.disabled && !this.data.loading) this.triggerEvent('change', !this.data.checked)
    },
  },
})
