// A test double of a @vant/weapp component for miniprogram-simulate (whose compiler cannot load
// vant's external .wxs files): the same tag, its properties, its slot and its events.
Component({
  options: { multipleSlots: true },
  properties: {
    value: null,
    label: null,
    placeholder: null,
    errorMessage: null,
    type: null,
    maxlength: null,
    name: null,
    border: null,
    clearable: null,
    disabled: null,
    readonly: null,
    required: null,
    focus: null,
    useButtonSlot: null,
  },
})
