// A test double of a @vant/weapp component for miniprogram-simulate (whose compiler cannot load
// vant's external .wxs files): the same tag, its properties, its slot and its events.
Component({
  properties: {
    type: null,
    disabled: null,
    loading: null,
    block: null,
    round: null,
    plain: null,
    size: null,
    openType: null,
    customClass: null,
    icon: null,
    formType: null,
  },
  methods: {
    onTap() {
      if (!this.data.disabled && !this.data.loading) this.triggerEvent('click')
    },
  },
})
