// The secure PIN keypad: our own keys (never the system keyboard), the ten digits shuffled with
// the CSPRNG each time it opens (shared/m/keypad.js, as in the H5 app), six dots, and the PIN
// handed to the page only when complete. The digits typed are never put in `data` (the view).
const { t } = require('../../lib/i18n.js')
const { shuffledDigits } = require('../../shared/m/keypad.js')

const LENGTH = 6

Component({
  properties: {
    show: { type: Boolean, value: false },
    title: { type: String, value: '' },
    amount: { type: String, value: '' },
    note: { type: String, value: '' },
    error: { type: String, value: '' },
    busy: { type: Boolean, value: false },
    resetKey: { type: Number, value: 0 },
  },
  data: { rows: [], dots: [], L: {} },
  observers: {
    'show, resetKey': function reset(show) {
      if (show) this.reset()
    },
  },
  lifetimes: {
    attached() {
      this.setData({ L: { title: t('pin.title'), delete: t('pin.delete'), clear: t('pin.clear') } })
      this.reset()
    },
  },
  methods: {
    reset() {
      this._pin = ''
      const d = shuffledDigits()
      this.setData({ rows: [d.slice(0, 3), d.slice(3, 6), d.slice(6, 9)], last: d[9], dots: this.dots() })
    },
    dots() {
      const n = (this._pin || '').length
      return Array.from({ length: LENGTH }, (_, i) => i < n)
    },
    onKey(e) {
      if (this.data.busy) return
      const digit = String(e.currentTarget.dataset.digit)
      if (!/^\d$/.test(digit) || this._pin.length >= LENGTH) return
      this._pin += digit
      this.setData({ dots: this.dots() })
      if (this._pin.length === LENGTH) {
        const pin = this._pin
        this._pin = ''
        this.triggerEvent('complete', { pin })
        this.setData({ dots: this.dots() })
      }
    },
    onDelete() {
      this._pin = (this._pin || '').slice(0, -1)
      this.setData({ dots: this.dots() })
    },
    onClear() {
      this._pin = ''
      this.setData({ dots: this.dots() })
    },
    onClose() {
      this._pin = ''
      this.triggerEvent('close')
    },
  },
})
